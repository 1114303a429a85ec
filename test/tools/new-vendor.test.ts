import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { planVendor, ScaffoldError, TODO, vendorSpec } from '../../tools/new-vendor';

const ROOT = join(import.meta.dirname, '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

describe('npm run new:vendor: input', () => {
  test.each([
    [{ system: 'crm', name: 'acme' }, /--system must be one of erp, fleet, cs, got "crm"/],
    [{ system: 'cs', name: 'Acme Corp' }, /--name must be lower case letters and digits/],
    [{ system: 'cs', name: 'zendesk' }, /--name "zendesk" is already a dialect/],
    [{ system: 'fleet', name: 'canonical' }, /--name "canonical" is already a dialect/],
  ])('%o is refused: %s', (options, message) => {
    expect(() => vendorSpec(options)).toThrow(ScaffoldError);
    expect(() => vendorSpec(options)).toThrow(message);
  });

  test('a vendor folder already present is named and nothing is planned', () => {
    // test/inbound/signatures.test.ts exists: a scaffold that would overwrite any file is refused whole.
    expect(() => planVendor(ROOT, vendorSpec({ system: 'cs', name: 'signatures' }))).toThrow(/already present, nothing written: test\/inbound\/signatures\.test\.ts/);
  });
});

/**
 * The scaffold in a copy of the project: the scaffolded vendor compiles and lints, the stack synthesizes with its
 * route and secret, the rest of the suite that enumerates dialects still passes, and the generated tests run —
 * the wiring ones pass, the wire-format ones fail with the TODO to fill in.
 */
describe('npm run new:vendor -- --system cs --name acme, in a copy of the project', () => {
  const copy = mkdtempSync(join(tmpdir(), 'lsync-new-vendor-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));
  const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });

  test('scaffolds, compiles, lints, synthesizes, and its generated tests run', () => {
    const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    for (const file of files) if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(copy, file));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));

    const scaffold = run(bin('tsx'), ['tools/new-vendor.ts', '--system', 'cs', '--name', 'acme', '--title', 'Acme Helpdesk webhooks']);
    expect(scaffold.status, scaffold.stderr).toBe(0);
    expect(scaffold.stdout).toContain('create lambdas/cs/inbound/acme/dialect.ts');
    expect(readFileSync(join(copy, 'registry/vendors.ts'), 'utf8')).toMatch(/acme: \{\n {4}route: 'acme',\n {4}system: 'cs',/);
    expect(readFileSync(join(copy, 'lambdas/shared/webhook/generated/vendor-validators.d.ts'), 'utf8')).toContain('export declare const acmeWebhook');

    const tsc = run(bin('tsc'), ['--noEmit']);
    expect(tsc.status, tsc.stdout).toBe(0);
    const lint = run(bin('eslint'), ['registry', 'lambdas/cs', 'sandbox/simulators/vendors', 'test/inbound/acme.test.ts']);
    expect(lint.status, lint.stdout).toBe(0);

    const vitest = run(bin('vitest'), [
      'run',
      '--reporter=json',
      '--outputFile=vitest.json',
      'test/inbound/acme.test.ts',
      'test/infra/webhook-api.test.ts',
      'test/inbound/vendor-schemas.test.ts',
      'test/schemas/standalone.test.ts',
    ]);
    const report = JSON.parse(readFileSync(join(copy, 'vitest.json'), 'utf8')) as {
      testResults: { name: string; assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
    };
    const results = report.testResults.flatMap((file) => file.assertionResults.map((r) => ({ file: file.name.slice(copy.length + 1), ...r })));
    const acme = results.filter((r) => r.file === 'test/inbound/acme.test.ts');
    expect(acme.map((r) => [r.title, r.status])).toEqual([
      ['the API has POST /webhooks/cs/acme, requiring the dialect\'s signature headers', 'passed'],
      ['the cs handler serves the route, and the sandbox gives it a signing secret', 'passed'],
      ['the vendor\'s published signature example verifies', 'failed'],
      ['the documented example, signed the vendor\'s way, is accepted and mapped to canonical events', 'failed'],
      ['a body changed after signing is refused with 401 and publishes nothing', 'failed'],
    ]);
    for (const failed of acme.filter((r) => r.status === 'failed')) expect(failed.failureMessages.join('\n'), failed.title).toContain(TODO);
    expect(results.filter((r) => r.file !== 'test/inbound/acme.test.ts' && r.status !== 'passed').map((r) => `${r.file}: ${r.title}`), vitest.stderr).toEqual([]);
  }, 360_000); // a whole-project tsc, eslint, synth and vitest in a copy: minutes on a busy 2-CPU machine
});
