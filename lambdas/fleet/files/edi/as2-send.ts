import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eachLandedObject, landedObjectKey } from '../../../shared/files/s3-files';
import type { IdempotentRunner } from '../../../shared/outbound/idempotency';

/**
 * Acknowledgements back over AS2 (docs/edi.md, "AS2"): a partner on AS2 cannot collect its 997 from our bucket as an
 * SFTP partner does, so each acknowledgement written under `acknowledgements/<partner>/` for a partner with an AS2
 * connector is sent to it with Transfer Family's `StartFileTransfer` (the connector signs and encrypts it and takes the
 * partner's MDN). The S3 notification names only `.997` objects: what the connector itself writes beside the file
 * (its status JSON, the MDN) never comes back here. Each acknowledgement is sent once (Powertools idempotency on
 * bucket, key and version: a redelivered notification does not send it again); a failed send is retried by SQS and
 * ends in the alarmed DLQ.
 */

/** Port: Transfer Family's StartFileTransfer for one file; returns the transfer id. */
export interface As2FileSender {
  send(connectorId: string, filePath: string): Promise<string>;
}

export interface As2SendDeps {
  /** Partner name (its folder) → its AS2 connector id (`c-…`); partners without one collect their files themselves. */
  readonly connectors: Readonly<Record<string, string>>;
  /** Where the intake writes acknowledgements (ending in `/`). */
  readonly acknowledgementPrefix: string;
  readonly sender: As2FileSender;
  readonly once: IdempotentRunner;
  readonly log: { info(message: string, extra?: Record<string, unknown>): void; error(message: string, extra?: Record<string, unknown>): void };
}

/** What happens to one landed object (pure). */
export function as2Destination(key: string, deps: Pick<As2SendDeps, 'connectors' | 'acknowledgementPrefix'>): { partner: string; connectorId: string } | { skip: string } {
  if (!key.startsWith(deps.acknowledgementPrefix)) return { skip: 'not an acknowledgement' };
  const [partner, ...rest] = key.slice(deps.acknowledgementPrefix.length).split('/');
  if (!partner || rest.length !== 1 || !rest[0]!.endsWith('.997')) return { skip: 'not an acknowledgement file of a partner folder' };
  const connectorId = Object.hasOwn(deps.connectors, partner) ? deps.connectors[partner] : undefined;
  if (!connectorId) return { skip: `partner ${partner} has no AS2 connector (it collects its acknowledgements)` };
  return { partner, connectorId };
}

export function createAs2SendHandler(deps: As2SendDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    if (context) deps.once.registerContext(context);
    return eachLandedObject(
      event,
      async (object) => {
        const destination = as2Destination(object.key, deps);
        if ('skip' in destination) {
          deps.log.info('not sent over AS2', { key: object.key, reason: destination.skip });
          return;
        }
        // The path form of the connector's access-role documentation: /bucket/key.
        const filePath = `/${object.bucket}/${object.key}`;
        const transferId = await deps.once.run(landedObjectKey(object), async () => (await deps.sender.send(destination.connectorId, filePath)) as JSONValue);
        deps.log.info('acknowledgement sent over AS2', { key: object.key, partner: destination.partner, connectorId: destination.connectorId, transferId });
      },
      (messageId, error) => deps.log.error('AS2 send failed; the message is retried', { messageId, error: error.message }),
    );
  };
}
