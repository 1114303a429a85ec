import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsAlertCheckSender } from '../../shared/parked-alerts';
import type { AlertRecheckQueue, AlertRecheckRequest } from '../inbound/samsara-alerts';

/**
 * The alert recheck queue over SQS (lambdas/shared/parked-alerts.ts `SqsAlertCheckSender`): one message per alert, the
 * request as JSON, delayed per message. A failed send is UpstreamUnavailable: the intake answers 5xx (Samsara retries)
 * and the recheck consumer leaves its message to SQS (delivered again, then its DLQ).
 */
export class SqsAlertRecheckQueue implements AlertRecheckQueue {
  private readonly sender: SqsAlertCheckSender;

  constructor(client: SQSClient, queueUrl: string) {
    this.sender = new SqsAlertCheckSender(client, queueUrl);
  }

  later(request: AlertRecheckRequest, delaySeconds: number): Promise<void> {
    return this.sender.send({ vendorEventId: request.decoded.vendorEventId, message: JSON.stringify(request) }, delaySeconds);
  }
}

/** In-memory recheck queue for tests: records every request with its delay. */
export class InMemoryAlertRecheckQueue implements AlertRecheckQueue {
  readonly requests: { request: AlertRecheckRequest; delaySeconds: number }[] = [];

  async later(request: AlertRecheckRequest, delaySeconds: number): Promise<void> {
    this.requests.push({ request, delaySeconds });
  }
}
