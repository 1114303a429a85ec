import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { synthStage } from '../support/synth';

describe.each(['dev', 'prod'])('cdk-nag AwsSolutions on the %s stage', (stage) => {
  test('has no unsuppressed error', () => {
    const { built, template } = synthStage(stage);
    void template; // synthesis runs the nag aspect
    const errors = Annotations.fromStack(built.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
  });

  test('has no unsuppressed warning', () => {
    const { built } = synthStage(stage);
    const warnings = Annotations.fromStack(built.stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
  });
});
