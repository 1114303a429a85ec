import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { UpstreamUnavailableError } from '../../shared/errors';
import type { AlertRecheckQueue, AlertRecheckRequest } from '../inbound/samsara-alerts';

/** SQS's largest per-message delay (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html). */
const MAX_DELAY_SECONDS = 900;

/**
 * The alert recheck queue over SQS: one message per alert, the request as JSON, delayed per message. A failed send
 * is UpstreamUnavailable: the intake answers 5xx (Samsara retries) and the recheck consumer leaves its message to
 * SQS (delivered again, then its DLQ).
 */
export class SqsAlertRecheckQueue implements AlertRecheckQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async later(request: AlertRecheckRequest, delaySeconds: number): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(request),
          DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
          MessageAttributes: { 'lsync-vendor-event': { DataType: 'String', StringValue: request.decoded.vendorEventId } },
        }),
      );
    } catch (error) {
      throw new UpstreamUnavailableError(`the alert recheck queue refused alert ${request.decoded.vendorEventId}`, undefined, { cause: error });
    }
  }
}

/** In-memory recheck queue for tests: records every request with its delay. */
export class InMemoryAlertRecheckQueue implements AlertRecheckQueue {
  readonly requests: { request: AlertRecheckRequest; delaySeconds: number }[] = [];

  async later(request: AlertRecheckRequest, delaySeconds: number): Promise<void> {
    this.requests.push({ request, delaySeconds });
  }
}
