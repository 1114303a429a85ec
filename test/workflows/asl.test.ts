import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, test } from 'vitest';
import { FLOWS } from '../../lambdas/workflows/model';
import { rawDefinition, substitutedDefinition } from './harness';

type States = Record<string, Record<string, unknown> & { Type: string; Branches?: { StartAt: string; States: States }[] }>;

/** States reachable from StartAt through Next, Default, Choices and Catch, per (sub)machine. */
function unreachable(machine: { StartAt: string; States: States }, scope = ''): string[] {
  const seen = new Set<string>();
  const queue = [machine.StartAt];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = machine.States[name];
    const next = [
      state.Next,
      state.Default,
      ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
      ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
    ].filter((n): n is string => typeof n === 'string');
    queue.push(...next);
  }
  const branches = Object.values(machine.States).flatMap((s, i) => (s.Branches ?? []).flatMap((b, j) => unreachable(b, `${scope}branch ${i}.${j}: `)));
  return [...Object.keys(machine.States).filter((n) => !seen.has(n)).map((n) => `${scope}${n}`), ...branches];
}

describe.each(FLOWS)('statemachines/%s.asl.json', (flow) => {
  test('is valid ASL as written (with ${…} placeholders), ARNs and JSONPaths checked', () => {
    const result = aslValidator(rawDefinition(flow), { checkArn: true, checkPaths: true });
    expect(result.isValid ? '' : result.errorsText('\n')).toBe('');
  });

  test('is valid ASL once CloudFormation has substituted the placeholders', () => {
    const result = aslValidator(substitutedDefinition(flow), { checkArn: true, checkPaths: true });
    expect(result.isValid ? '' : result.errorsText('\n')).toBe('');
    expect(() => new StateMachine(substitutedDefinition(flow) as never, { validationOptions: { checkArn: true, checkPaths: true } })).not.toThrow();
  });

  test('has no unreachable state', () => {
    expect(unreachable(rawDefinition(flow) as unknown as { StartAt: string; States: States })).toEqual([]);
  });

  test('uses nothing the sandbox interpreter runs differently from AWS (docs/sandbox.md): no ResultPath "$", no TimeoutSecondsPath', () => {
    expect(interpreterDifferences(rawDefinition(flow) as unknown as { States: States })).toEqual([]);
  });
});

/** States using a field aws-local-stepfunctions 3.0.0 evaluates unlike AWS, per (sub)machine. */
function interpreterDifferences(machine: { States: States }, scope = ''): string[] {
  return Object.entries(machine.States).flatMap(([name, state], i) => [
    ...(state.ResultPath === '$' ? [`${scope}${name}: ResultPath "$"`] : []),
    ...('TimeoutSecondsPath' in state ? [`${scope}${name}: TimeoutSecondsPath`] : []),
    ...(state.Branches ?? []).flatMap((b, j) => interpreterDifferences(b, `${scope}branch ${i}.${j}: `)),
  ]);
}
