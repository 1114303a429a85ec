/**
 * AWS adapters of the workflow ports: start an execution, find and remove wait items, release a task
 * token. Thin: they translate SDK calls and the few errors that mean "already done".
 */
import { DynamoDBDocumentClient, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../shared/dynamo-pages';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UpstreamUnavailableError } from '../shared/errors';
import type { FlowName, WorkflowInput } from './model';
import { WAIT_SORT_KEY_PREFIX, waitPartitionKey, type WaitItem } from './release-plan';

/** Port: starts a workflow execution. */
export interface WorkflowStarter {
  /**
   * `duplicate` when Step Functions reports ExecutionAlreadyExists (same name, another input or a closed
   * execution). A repeat with the same name and input while the execution runs is answered like the original
   * start (`started`): either way no second execution exists.
   */
  start(flow: FlowName, name: string, input: WorkflowInput): Promise<'started' | 'duplicate'>;
}

/** Port: the wait items of a shipment. */
export interface WaitStore {
  findWaits(shipmentId: string): Promise<WaitItem[]>;
  remove(item: WaitItem): Promise<void>;
}

/** Port: completes a waiting task. `stale` when the execution no longer waits (timed out, escalated, stopped). */
export interface TaskTokens {
  succeed(taskToken: string, output: object): Promise<'released' | 'stale'>;
}

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? '';
}

export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly stateMachineArns: Readonly<Record<FlowName, string>>,
  ) {}

  async start(flow: FlowName, name: string, input: WorkflowInput): Promise<'started' | 'duplicate'> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArns[flow], name, input: JSON.stringify(input) }));
      return 'started';
    } catch (error) {
      // Same name, different input (or the first execution has closed): the event was seen before.
      if (errorName(error) === 'ExecutionAlreadyExists') return 'duplicate';
      throw new UpstreamUnavailableError(`StartExecution failed for ${flow} ${name}: ${errorName(error) || 'unknown error'}`, undefined, { cause: error });
    }
  }
}

export class DynamoWaitStore implements WaitStore {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async findWaits(shipmentId: string): Promise<WaitItem[]> {
    return (await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :wait)',
      ExpressionAttributeValues: { ':pk': waitPartitionKey(shipmentId), ':wait': WAIT_SORT_KEY_PREFIX },
    })) as unknown as WaitItem[];
  }

  async remove(item: WaitItem): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }));
  }
}

/** Errors of SendTaskSuccess that mean the execution is no longer waiting on this token. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class SfnTaskTokens implements TaskTokens {
  constructor(private readonly client: Pick<SFNClient, 'send'>) {}

  async succeed(taskToken: string, output: object): Promise<'released' | 'stale'> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return 'released';
    } catch (error) {
      if (STALE_TOKEN_ERRORS.has(errorName(error))) return 'stale';
      throw error;
    }
  }
}
