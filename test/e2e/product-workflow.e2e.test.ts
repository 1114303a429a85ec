import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { aws, eventually, sandbox } from './support';

const sfn = new SFNClient(aws('sfn'));
const dynamodb = new DynamoDBClient(aws());
afterAll(() => {
  sfn.destroy();
  dynamodb.destroy();
});

/** State machines the product announces through its lsync discovery outputs (`{"name", "id"}`). */
function productStateMachine(name: string): string | undefined {
  const outputs = sandbox().outputs[sandbox().stackName] ?? {};
  for (const [key, value] of Object.entries(outputs)) {
    if (!key.startsWith('LsyncStateMachine')) continue;
    const parsed = JSON.parse(value) as { name?: string; id?: string };
    if (parsed.name === name) return parsed.id;
  }
  return undefined;
}

describe('the product’s state machines (statemachines/*.asl.json) in the sandbox', () => {
  test('temperature-excursion runs to completion: enrich, decide, act in parallel, wait for resolution, resolved', async () => {
    // The product announces it (a missing workflow fails here rather than skipping the test).
    const stateMachineArn = productStateMachine('temperature-excursion');
    expect(stateMachineArn, 'the temperature-excursion state machine among the LsyncStateMachine outputs').toBeDefined();
    const event = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schemas', 'examples', 'shipment.exception-raised.json'), 'utf8')) as {
      metadata: { eventId: string };
      refs: { shipmentId: string };
    };
    const name = `e2e-${Date.now()}`;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ flow: 'temperature-excursion', event }) }));

    // The workflow parks its task token in the correlation table for the resolution releaser.
    const table = sandbox().outputs[sandbox().stackName]!.CorrelationTableName!;
    const taskToken = await eventually(
      async () => {
        const { Item } = await dynamodb.send(
          new GetItemCommand({ TableName: table, Key: { pk: { S: `SHIPMENT#${event.refs.shipmentId}` }, sk: { S: `WAIT#temperature-excursion#${event.metadata.eventId}` } } }),
        );
        if (Item?.executionId?.S === executionArn) return Item?.taskToken?.S;
        const { status, error, cause } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (status !== 'RUNNING') throw new Error(`execution ended ${status} before waiting: ${error} ${cause}`);
        return undefined;
      },
      30_000,
      'the workflow to wait for resolution',
    );
    // What the resolution releaser sends back on case.resolved (lambdas/workflows/release-plan.ts).
    const resolution = { resolvedBy: 'case.resolved', resolvedByEventId: 'e2e-case-resolved', resolvedAt: new Date().toISOString() };
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(resolution) }));

    const done = await eventually(
      async () => {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return execution.status === 'RUNNING' ? undefined : execution;
      },
      15_000,
      'the execution to finish',
    );
    expect({ status: done.status, error: done.error, cause: done.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const entered = events!.flatMap((e) => (e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : []));
    expect(entered).toEqual(expect.arrayContaining(['Enrich', 'Decide', 'Act', 'WaitForResolution', 'MarkResolved', 'Resolved']));
  });
});
