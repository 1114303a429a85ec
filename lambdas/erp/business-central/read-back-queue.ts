import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UpstreamUnavailableError } from '../../shared/errors';
import { BC_READ_BACK_KINDS, bcDocumentOf, type BcReadBackQueue, type BcReadBackRequest } from './notifications';

/** The BC read-back queue over SQS: one message per changed sales order, sales invoice or sales credit memo. A failed send is a 5xx, so BC retries. */
export class SqsBcReadBackQueue implements BcReadBackQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(request: BcReadBackRequest): Promise<void> {
    const { attribute, noun: what } = BC_READ_BACK_KINDS[request.kind];
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(request), MessageAttributes: { [attribute]: { DataType: 'String', StringValue: bcDocumentOf(request) } } }));
    } catch (error) {
      throw new UpstreamUnavailableError(`the Business Central read-back queue refused ${what} ${bcDocumentOf(request)}`, undefined, { cause: error });
    }
  }
}

/**
 * The queue of a stage without a BC read-back queue (`BC_READ_BACK_QUEUE_URL` unset): refuses with a 5xx, so BC
 * keeps the notification and retries (for up to 36 hours) rather than losing it, and the ERP webhook alarm fires.
 */
export const UNCONFIGURED_BC_QUEUE: BcReadBackQueue = {
  enqueue: async () => {
    throw new UpstreamUnavailableError('no Business Central read-back queue is configured for this stage (BC_READ_BACK_QUEUE_URL)');
  },
};

/** In-memory queue for tests. */
export class InMemoryBcReadBackQueue implements BcReadBackQueue {
  readonly requests: BcReadBackRequest[] = [];
  async enqueue(request: BcReadBackRequest): Promise<void> {
    this.requests.push(request);
  }
}
