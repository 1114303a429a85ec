import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../lib/app';
import { venvBin } from '../../sandbox/python-env';
import { BC_STAGE_OVERRIDES } from '../support/bc-stage';
import { EDI_B2BI_OVERRIDES, EDI_TRANSFER_OVERRIDES } from '../support/edi-stage';
import { cdkJsonContext } from '../support/synth';

const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-cfn-lint-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// `dev+business-central`: the dev stage with Business Central as the ERP (its read-back, renewal schedule and alarms);
// `dev+edi-transfer`: the dev stage with the EDI intake behind the SFTP and AS2 servers (profiles, agreements, alarms);
// `dev+edi-b2bi`: the EDI intake behind AWS B2B Data Interchange (profile, transformer, capability, partnerships);
// `dev+http-api`: the webhooks on an HTTP API (stage setting `webhooks.api: "http"`).
const VARIANTS: Record<string, unknown> = { 'business-central': BC_STAGE_OVERRIDES, 'edi-transfer': EDI_TRANSFER_OVERRIDES, 'edi-b2bi': EDI_B2BI_OVERRIDES, 'http-api': { webhooks: { api: 'http' } } };
describe.each(['dev', 'prod', 'sandbox', 'dev+business-central', 'dev+edi-transfer', 'dev+edi-b2bi', 'dev+http-api'])('cfn-lint on the synthesized %s template', (name) => {
  test('reports no error or warning', () => {
    const dir = path.join(outdir, name);
    const [stage, variant] = name.split('+');
    const overrides = variant ? { configOverrides: JSON.stringify(VARIANTS[variant]) } : {};
    buildApp({ context: { ...cdkJsonContext(), stage, 'aws:cdk:bundling-stacks': [], ...overrides }, outdir: dir }).app.synth();
    const templates = readdirSync(dir).filter((f) => f.endsWith('.template.json'));
    expect(templates.length).toBeGreaterThan(0);
    // `npm test` installs .venv first (pretest); cfn-lint exits non-zero on any finding.
    const result = spawnSync(venvBin('cfn-lint'), ['--format', 'parseable', ...templates.map((t) => path.join(dir, t))], {
      encoding: 'utf8',
      cwd: path.resolve(import.meta.dirname, '..', '..'), // picks up .cfnlintrc.yaml
    });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
