import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { clientConfig, SANDBOX_REGION } from '../aws';
import type { DeployedStack } from '../deploy/deployer';
import { matchesPattern } from '../../registry/event-pattern';
import type { FunctionRegistry, LocalFunction } from './functions';

/** One SQS event source mapping of the template, resolved. */
export interface SqsMappingSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly functionName: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maximumConcurrency: number;
  readonly enabled: boolean;
  /** FilterCriteria patterns; a message matching none is deleted without an invocation, as Lambda does. */
  readonly filterPatterns: readonly unknown[];
}

export interface MappingStats {
  readonly logicalId: string;
  readonly functionName: string;
  readonly queueArn: string;
  batches: number;
  messages: number;
  /** Messages deleted after a successful (or partially successful) batch. */
  deleted: number;
  /** Messages left in the queue for a retry after the visibility timeout. */
  failed: number;
  /** Messages deleted unseen because they matched none of the FilterCriteria. */
  filteredOut: number;
  /** Invocations that failed as a whole (error, timeout, malformed batch response). */
  failedInvocations: number;
}

/** Lambda's ESM scales SQS pollers up to 1,000 by default; locally a handful is plenty. */
const DEFAULT_LOCAL_CONCURRENCY = 5;

function queueUrlFromArn(endpoint: string, arn: string): string {
  const [, , , , account, name] = arn.split(':');
  return `${endpoint}/${account}/${name}`;
}

/** Reads every AWS::Lambda::EventSourceMapping with an SQS source from a deployed stack. */
export function sqsMappingSpecs(deployed: DeployedStack, endpoint: string): SqsMappingSpec[] {
  const specs: SqsMappingSpec[] = [];
  for (const resource of deployed.ofType('AWS::Lambda::EventSourceMapping')) {
    const props = deployed.properties(resource.logicalId);
    const queueArn = String(props.EventSourceArn ?? '');
    if (!queueArn.startsWith('arn:aws:sqs:')) continue;
    const scaling = (props.ScalingConfig ?? {}) as { MaximumConcurrency?: number };
    specs.push({
      stackName: deployed.stackName,
      logicalId: resource.logicalId,
      queueArn,
      queueUrl: queueUrlFromArn(endpoint, queueArn),
      functionName: String(props.FunctionName),
      batchSize: Number(props.BatchSize ?? 10),
      maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
      reportBatchItemFailures: ((props.FunctionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
      maximumConcurrency: Number(scaling.MaximumConcurrency ?? DEFAULT_LOCAL_CONCURRENCY),
      enabled: props.Enabled !== false && props.Enabled !== 'false',
      filterPatterns: (((props.FilterCriteria as { Filters?: { Pattern?: string }[] } | undefined)?.Filters ?? []).map((f) => JSON.parse(String(f.Pattern))) as unknown[]),
    });
  }
  return specs;
}

function toRecordAttributes(attributes: Message['MessageAttributes']): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {}) as [string, MessageAttributeValue][]) {
    out[name] = {
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      dataType: value.DataType ?? 'String',
    };
  }
  return out;
}

/** The record Lambda builds from an SQS message. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'AIDASANDBOX',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: SANDBOX_REGION,
  } as SQSRecord;
}

/**
 * Which messages of a batch to delete after an invocation, by Lambda's rules: a failed invocation deletes
 * nothing; without ReportBatchItemFailures a successful one deletes all; with it, everything but the
 * listed failures — and an unparseable response or an unknown/empty itemIdentifier fails the whole batch.
 * Pure.
 */
export function settleBatch(
  batch: readonly { messageId: string }[],
  outcome: { ok: boolean; payload?: unknown },
  reportBatchItemFailures: boolean,
): { toDelete: Set<string>; wholeBatchFailed: boolean } {
  const failedWhole = { toDelete: new Set<string>(), wholeBatchFailed: true };
  if (!outcome.ok) return failedWhole;
  const all = new Set(batch.map((m) => m.messageId));
  if (!reportBatchItemFailures) return { toDelete: all, wholeBatchFailed: false };
  const payload = outcome.payload;
  if (payload === null || payload === undefined || payload === '') return { toDelete: all, wholeBatchFailed: false };
  if (typeof payload !== 'object' || Array.isArray(payload)) return failedWhole;
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { toDelete: all, wholeBatchFailed: false };
  if (!Array.isArray(failures)) return failedWhole;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !all.has(id)) return failedWhole;
    all.delete(id);
  }
  return { toDelete: all, wholeBatchFailed: false };
}

/**
 * Polls one queue for one function like Lambda's SQS event source: long-polls with the queue's own
 * visibility timeout, gathers up to BatchSize messages within MaximumBatchingWindow, invokes the function
 * with up to MaximumConcurrency batches in flight, and deletes what succeeded. Messages that failed stay
 * in the queue, so receive counts, visibility timeouts and DLQ moves are the emulator's.
 */
export class SqsPoller {
  readonly stats: MappingStats;
  /** The most recent records handed to the function (bounded), for tests and the scenario. */
  readonly seen: SQSRecord[];
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    readonly spec: SqsMappingSpec,
    readonly fn: LocalFunction,
    private readonly sqs: SQSClient,
    private readonly onError: (error: unknown) => void,
  ) {
    this.stats = { logicalId: spec.logicalId, functionName: fn.spec.functionName, queueArn: spec.queueArn, batches: 0, messages: 0, deleted: 0, failed: 0, filteredOut: 0, failedInvocations: 0 };
    this.seen = [];
  }

  start(): void {
    if (!this.spec.enabled) return;
    for (let i = 0; i < Math.max(1, this.spec.maximumConcurrency); i++) this.loops.push(this.loop());
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.spec.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return Messages ?? [];
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        // Long poll: moto re-checks visibility every second while it waits, so retries are not delayed.
        let batch = await this.receive(this.spec.batchSize, 20);
        if (batch.length === 0) continue;
        const windowEnds = Date.now() + this.spec.maximumBatchingWindowSeconds * 1000;
        while (batch.length < this.spec.batchSize && Date.now() < windowEnds && !signal.aborted) {
          const wait = Math.min(1, Math.ceil((windowEnds - Date.now()) / 1000));
          batch = batch.concat(await this.receive(this.spec.batchSize - batch.length, wait));
        }
        await this.process(batch);
      } catch (error) {
        if (signal.aborted) return;
        this.onError(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async deleteRecords(records: readonly SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const entries = records.slice(i, i + 10).map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle }));
      await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.spec.queueUrl, Entries: entries }));
    }
  }

  private async process(messages: Message[]): Promise<void> {
    let records = messages.map((m) => toSqsRecord(m, this.spec.queueArn));
    if (this.spec.filterPatterns.length > 0) {
      const keep = records.filter((r) => this.spec.filterPatterns.some((p) => matchesPattern(p, filterable(r))));
      const dropped = records.filter((r) => !keep.includes(r));
      this.stats.filteredOut += dropped.length;
      await this.deleteRecords(dropped);
      records = keep;
      if (records.length === 0) return;
    }
    this.seen.push(...records);
    if (this.seen.length > 500) this.seen.splice(0, this.seen.length - 500);
    this.stats.batches += 1;
    this.stats.messages += records.length;
    const outcome = await this.fn.invoke({ Records: records });
    const { toDelete, wholeBatchFailed } = settleBatch(records, outcome.ok ? { ok: true, payload: outcome.payload } : { ok: false }, this.spec.reportBatchItemFailures);
    if (wholeBatchFailed) this.stats.failedInvocations += 1;
    this.stats.failed += records.length - toDelete.size;
    const succeeded = records.filter((r) => toDelete.has(r.messageId));
    await this.deleteRecords(succeeded);
    this.stats.deleted += succeeded.length;
  }

  /**
   * Stops polling. Batches in flight get a moment to finish; after that the caller stops the functions,
   * which fails what is still running (those messages reappear after their visibility timeout, as in AWS).
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.loops), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}

/** The record as Lambda filters it: `body` parsed when it is JSON. */
function filterable(record: SQSRecord): Record<string, unknown> {
  try {
    return { ...record, body: JSON.parse(record.body) as unknown };
  } catch {
    return { ...record };
  }
}

/** Starts a poller for every SQS event source mapping of the deployed stacks. */
export function startSqsPollers(
  stacks: readonly DeployedStack[],
  functions: FunctionRegistry,
  endpoint: string,
  log: (line: string) => void,
): { pollers: SqsPoller[]; stop(): Promise<void> } {
  const sqs = new SQSClient({ ...clientConfig(endpoint, 'eventSourceMappings'), useQueueUrlAsEndpoint: false });
  const pollers: SqsPoller[] = [];
  for (const stack of stacks) {
    for (const mapping of stack.ofType('AWS::Lambda::EventSourceMapping')) {
      const source = String(stack.properties(mapping.logicalId).EventSourceArn ?? '');
      if (!source.startsWith('arn:aws:sqs:')) log(`event source mapping ${mapping.logicalId}: only SQS sources run locally, not ${source || 'this one'}`);
    }
    for (const spec of sqsMappingSpecs(stack, endpoint)) {
      const fn = functions.find(spec.functionName);
      if (!fn) {
        log(`event source mapping ${spec.logicalId}: function ${spec.functionName} is not running locally; not polling ${spec.queueArn}`);
        continue;
      }
      const poller = new SqsPoller(spec, fn, sqs, (error) => log(`poller ${spec.logicalId}: ${(error as Error).message}`));
      poller.start();
      pollers.push(poller);
    }
  }
  return {
    pollers,
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      sqs.destroy();
    },
  };
}
