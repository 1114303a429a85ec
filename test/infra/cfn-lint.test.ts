import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../lib/app';
import { venvBin } from '../../sandbox/python-env';
import { cdkJsonContext } from '../support/synth';

const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-cfn-lint-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.each(['dev', 'prod', 'sandbox'])('cfn-lint on the synthesized %s template', (stage) => {
  test('reports no error or warning', () => {
    const dir = path.join(outdir, stage);
    buildApp({ context: { ...cdkJsonContext(), stage, 'aws:cdk:bundling-stacks': [] }, outdir: dir }).app.synth();
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
