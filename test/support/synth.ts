import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../../lib/app';

const root = path.resolve(import.meta.dirname, '..', '..');

/** The context block of cdk.json, as the CDK CLI would pass it. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; description: string; violatingConstructs: { constructPath: string }[] }[] }[];
}

/** Findings of the policy-validation plugins (cdk-nag) written to `outdir`, one line each. */
export function validationFindings(outdir: string): string[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.severity} ${v.ruleName} at ${c.constructPath}: ${v.description}`)),
  );
}

/**
 * Synthesizes `built.app`, turning a policy-validation failure (cdk-nag findings) into an error that lists
 * every finding instead of pointing at a report file.
 */
export function synthOrExplain(built: BuiltApp, outdir: string): void {
  try {
    built.app.synth();
  } catch (error) {
    const findings = validationFindings(outdir);
    if (findings.length === 0) throw error;
    throw new Error(`synthesis failed validation:\n${findings.join('\n')}`, { cause: error });
  }
}

const cache = new Map<string, { built: BuiltApp; template: Template; outdir: string }>();

/** Synthesizes the real app for a stage (cached per stage within a test file). */
export function synthStage(stage: string, extraContext: Record<string, unknown> = {}): { built: BuiltApp; template: Template; outdir: string } {
  const key = `${stage}:${JSON.stringify(extraContext)}`;
  let entry = cache.get(key);
  if (!entry) {
    const outdir = mkdtempSync(path.join(tmpdir(), `lsync-synth-${stage}-`));
    // Template assertions do not need Lambda bundles: skipping bundling keeps each synth fast.
    const built = buildApp({ context: { ...cdkJsonContext(), stage, 'aws:cdk:bundling-stacks': [], ...extraContext }, outdir });
    synthOrExplain(built, outdir);
    entry = { built, template: Template.fromStack(built.stack), outdir };
    cache.set(key, entry);
  }
  return entry;
}
