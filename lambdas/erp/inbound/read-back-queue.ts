import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UpstreamUnavailableError } from '../../shared/errors';
import type { SapReadBackQueue, SapReadBackRequest } from './sap-s4hana';

/**
 * The SAP read-back queue over SQS: one message per thin sales-order event, the request as JSON body. A
 * failed send is UpstreamUnavailable, so the webhook answers 5xx and SAP retries the event.
 */
export class SqsSapReadBackQueue implements SapReadBackQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(request: SapReadBackRequest): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(request),
          MessageAttributes: { 'lsync-sales-order': { DataType: 'String', StringValue: request.salesOrder } },
        }),
      );
    } catch (error) {
      throw new UpstreamUnavailableError(`the SAP read-back queue refused sales order ${request.salesOrder}`, undefined, { cause: error });
    }
  }
}

/** In-memory read-back queue for tests: records every request. */
export class InMemorySapReadBackQueue implements SapReadBackQueue {
  readonly requests: SapReadBackRequest[] = [];

  async enqueue(request: SapReadBackRequest): Promise<void> {
    this.requests.push(request);
  }
}
