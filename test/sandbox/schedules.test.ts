import { describe, expect, test } from 'vitest';
import { LocalSchedules, rateMs, renderInput, scheduleSpecs } from '../../sandbox/runtime/schedules';
import type { FunctionRegistry } from '../../sandbox/runtime/functions';
import type { DeployedStack } from '../../sandbox/deploy/deployer';

/** EventBridge Scheduler in the local runtime: what it reads from the template and what it sends. */
describe('local schedules', () => {
  test('rate expressions become periods; cron and at expressions have none (they run only when fired)', () => {
    expect(rateMs('rate(15 minutes)')).toBe(900_000);
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(rateMs('rate(1 day)')).toBe(86_400_000);
    expect(rateMs('cron(0/15 * * * ? *)')).toBeUndefined();
    expect(rateMs('at(2026-12-04T18:00:00)')).toBeUndefined();
  });

  test('the input is delivered with the context attributes filled in, the scheduled time in RFC 3339 without milliseconds', () => {
    const input = JSON.stringify({ system: 'fleet', scheduledAt: '<aws.scheduler.scheduled-time>', arn: '<aws.scheduler.schedule-arn>', attempt: '<aws.scheduler.attempt-number>' });
    const rendered = JSON.parse(renderInput(input, { scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s', scheduledTime: new Date('2026-12-04T18:15:00.123Z'), executionId: 'x', attemptNumber: 1 }));
    expect(rendered).toEqual({ system: 'fleet', scheduledAt: '2026-12-04T18:15:00Z', arn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s', attempt: '1' });
  });

  test('schedules with an SQS or a Lambda target are read from the deployed template, with the queue URL on the emulator', () => {
    const resources: Record<string, Record<string, unknown>> = {
      Sweep: { ScheduleExpression: 'rate(15 minutes)', Target: { Arn: 'arn:aws:sqs:us-east-1:123456789012:fleet-reconciliation', Input: '{"system":"fleet"}' } },
      Paused: { ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED', Target: { Arn: 'arn:aws:sqs:us-east-1:123456789012:other', Input: '{}' } },
      Lambda: { ScheduleExpression: 'rate(12 hours)', Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f', Input: '{"scheduledAt":"<aws.scheduler.scheduled-time>"}' } },
      Sns: { ScheduleExpression: 'rate(5 minutes)', Target: { Arn: 'arn:aws:sns:us-east-1:123456789012:topic' } },
    };
    const deployed = {
      stackName: 'S',
      ofType: (type: string) => (type === 'AWS::Scheduler::Schedule' ? Object.keys(resources).map((logicalId) => ({ logicalId })) : []),
      properties: (logicalId: string) => resources[logicalId]!,
    } as unknown as DeployedStack;
    expect(scheduleSpecs(deployed, 'http://127.0.0.1:5000')).toEqual([
      { stackName: 'S', logicalId: 'Sweep', expression: 'rate(15 minutes)', intervalMs: 900_000, enabled: true, queueArn: 'arn:aws:sqs:us-east-1:123456789012:fleet-reconciliation', queueUrl: 'http://127.0.0.1:5000/123456789012/fleet-reconciliation', input: '{"system":"fleet"}' },
      { stackName: 'S', logicalId: 'Paused', expression: 'rate(5 minutes)', intervalMs: 300_000, enabled: false, queueArn: 'arn:aws:sqs:us-east-1:123456789012:other', queueUrl: 'http://127.0.0.1:5000/123456789012/other', input: '{}' },
      { stackName: 'S', logicalId: 'Lambda', expression: 'rate(12 hours)', intervalMs: 43_200_000, enabled: true, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', input: '{"scheduledAt":"<aws.scheduler.scheduled-time>"}' },
    ]);
  });

  test('firing a Lambda target invokes the local function with the rendered input and reports its error', async () => {
    const invoked: unknown[] = [];
    const fn = { spec: { functionName: 'f' }, invoke: async (event: unknown) => (invoked.push(event), { ok: false as const, error: { errorType: 'Error', errorMessage: 'BC said 401' }, durationMs: 1, requestId: 'r' }) };
    const functions = { find: (ref: string) => (ref.endsWith(':function:f') ? fn : undefined) } as unknown as FunctionRegistry;
    const deployed = {
      stackName: 'S',
      ofType: () => [{ logicalId: 'Renewal' }],
      properties: () => ({ ScheduleExpression: 'rate(12 hours)', Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f', Input: '{"scheduledAt":"<aws.scheduler.scheduled-time>"}' } }),
    } as unknown as DeployedStack;
    const schedules = new LocalSchedules([deployed], 'http://127.0.0.1:5000', () => undefined, functions);
    try {
      const [firing] = await schedules.fire('renewal', new Date('2026-12-04T18:00:00.000Z'));
      expect(invoked).toEqual([{ scheduledAt: '2026-12-04T18:00:00Z' }]);
      expect(firing).toEqual({ logicalId: 'Renewal', at: '2026-12-04T18:00:00.000Z', error: 'Error: BC said 401' });
    } finally {
      schedules.stop();
    }
  });
});
