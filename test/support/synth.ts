import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type BuiltApp } from '../../lib/app';

const root = path.resolve(import.meta.dirname, '..', '..');

/** The context block of cdk.json, as the CDK CLI would pass it. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

const cache = new Map<string, { built: BuiltApp; template: Template }>();

/** Synthesizes the real app for a stage (cached per stage within a test file). */
export function synthStage(stage: string, extraContext: Record<string, unknown> = {}): { built: BuiltApp; template: Template } {
  const key = `${stage}:${JSON.stringify(extraContext)}`;
  let entry = cache.get(key);
  if (!entry) {
    // Template assertions do not need Lambda bundles: skipping bundling keeps each synth fast.
    const built = buildApp({ context: { ...cdkJsonContext(), stage, 'aws:cdk:bundling-stacks': [], ...extraContext } });
    entry = { built, template: Template.fromStack(built.stack) };
    cache.set(key, entry);
  }
  return entry;
}
