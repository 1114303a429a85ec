import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { BOUNDARIES } from '../../eslint.config.js';

/**
 * The folder boundaries of eslint.config.js (docs/architecture.md, "Layout and boundaries") hold: an import that
 * crosses one fails lint with the reason, and the allowed imports pass. The files are linted as if they sat in
 * the folder named (they are never written), against the project's real files and configuration.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function problems(filePath: string, code: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return result!.messages.map(({ ruleId, message }) => ({ rule: ruleId, message }));
}

describe('folder boundaries', () => {
  test.each([
    ['lambdas/fleet/probe.ts', "import { Stack } from 'aws-cdk-lib';\nexport const x = Stack;", /Handlers run in Lambda/],
    ['lambdas/fleet/probe.ts', "import { NodeFunction } from '../../lib/core/defaults';\nexport const x = NodeFunction;", /Handlers run in Lambda/],
    ['lambdas/fleet/probe.ts', "import { newAuditId } from '../../cli/audit';\nexport const x = newAuditId;", /Handlers run in Lambda/],
    ['lib/probe.ts', "import { traceById } from '../lambdas/trace/trace-query';\nexport const x = traceById;", /lib\/ holds the constructs/],
    ['lib/probe.ts', "import { Sandbox } from '../sandbox/sandbox';\nexport const x = Sandbox;", /lib\/ holds the constructs/],
    ['cli/probe.ts', "import { LogisticsSyncStack } from '../lib/logistics-sync-stack';\nexport const x = LogisticsSyncStack;", /lsync talks to AWS APIs/],
    ['cli/probe.ts', "import { handler } from '../lambdas/indexer/handler';\nexport const x = handler;", /lsync talks to AWS APIs/],
    ['registry/probe.ts', "import { buildCanonicalEvent } from '../lambdas/shared/canonical-event';\nexport const x = buildCanonicalEvent;", /registry\/ is plain data/],
    ['registry/probe.ts', "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';\nexport const x = EventBridgeClient;", /registry\/ is plain data/],
    ['sandbox/probe.ts', "import { handler } from '../lambdas/indexer/handler';\nexport const x = handler;", /runs the handlers from their built assets/],
    ['schemas/probe.ts', "import { SYSTEMS } from '../registry/systems';\nexport const x = SYSTEMS;", /Schemas and their tooling depend on nothing/],
  ])('%s: %s is refused', async (file, code, reason) => {
    const found = await problems(file, code);
    expect(found.map((p) => p.rule)).toEqual([expect.stringMatching(/^(import-x\/no-restricted-paths|@typescript-eslint\/no-restricted-imports)$/)]);
    expect(found[0]!.message).toMatch(reason);
  });

  test.each([
    ['lambdas/fleet/probe.ts', "import { SYSTEMS } from '../../registry/systems';\nexport const x = SYSTEMS;"],
    ['cli/probe.ts', "import { traceById } from '../lambdas/trace/trace-query';\nexport const x = traceById;"],
    ['registry/probe.ts', "import type { TargetSystem } from '../lambdas/shared/generated/canonical-types';\nexport type X = TargetSystem;"],
    ['sandbox/probe.ts', "import { buildApp } from '../lib/app';\nexport const x = buildApp;"],
    ['lib/probe.ts', "import { FLOWS } from '../registry/workflows';\nexport const x = FLOWS;"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });

  test('an import cycle fails lint', async () => {
    // registry/systems.ts is imported by registry/vendors.ts; importing vendors back from a module systems needs closes a loop.
    const found = await problems('registry/systems.ts', "import { webhookPath } from './vendors';\nexport const SYSTEMS = ['erp'] as const;\nexport const w = webhookPath;");
    expect(found.map((p) => p.rule)).toContain('import-x/no-cycle');
  });

  test('every top-level source folder is covered by a boundary or is an entry point', () => {
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
      .map((entry) => relative(ROOT, join(ROOT, entry.name)));
    // bin/ wires everything; test/ and bench/ exercise everything; the rest hold no TypeScript of their own (extensions/: AL).
    const unbounded = new Set(['bin', 'test', 'bench', 'scripts', 'docs', 'data', 'statemachines', 'web', 'cdk.out', 'coverage', 'extensions']);
    const bounded = BOUNDARIES.map(({ target }) => target);
    expect(folders.filter((name) => !unbounded.has(name) && !bounded.includes(name))).toEqual([]);
  });
});
