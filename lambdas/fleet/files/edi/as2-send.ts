import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eachLandedObject, landedObjectKey } from '../../../shared/files/s3-files';
import type { IdempotentRunner } from '../../../shared/outbound/idempotency';
import { b2biAcknowledgementObject, noticedObjects, type IntakeObject } from './b2bi-event';

/**
 * Acknowledgements back over AS2 (docs/edi.md, "AS2"): a partner on AS2 cannot collect its 997 from our bucket as an
 * SFTP partner does, so each acknowledgement written under `acknowledgements/<partner>/` for a partner with an AS2
 * connector is sent to it with Transfer Family's `StartFileTransfer` (the connector signs and encrypts it and takes the
 * partner's MDN). The S3 notification names only `.997` objects: what the connector itself writes beside the file
 * (its status JSON, the MDN) never comes back here. Each acknowledgement is sent once (Powertools idempotency on
 * bucket, key and version: a redelivered notification does not send it again); a failed send is retried by SQS and
 * ends in the alarmed DLQ. With AWS B2B Data Interchange in front (stage `b2bi`), the 997s are B2BI's: its
 * `Acknowledgement Completed` events name the file and the trading partner id, which `b2biTradingPartners` maps to
 * our partner and so to its connector.
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
  /** Partner name → its B2BI trading partner id (stage `b2bi` only). */
  readonly b2biTradingPartners?: Readonly<Record<string, string>>;
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

/** Where B2BI's acknowledgement for a trading partner id goes (pure): the partner and its connector, or why not. */
export function b2biAs2Destination(tradingPartnerId: string, deps: Pick<As2SendDeps, 'connectors' | 'b2biTradingPartners'>): { partner: string; connectorId: string } | { skip: string } {
  const partner = Object.entries(deps.b2biTradingPartners ?? {}).find(([, id]) => id === tradingPartnerId)?.[0];
  if (!partner) return { skip: `B2BI trading partner ${tradingPartnerId} is not one of the stage's partners` };
  const connectorId = Object.hasOwn(deps.connectors, partner) ? deps.connectors[partner] : undefined;
  if (!connectorId) return { skip: `partner ${partner} has no AS2 connector (it collects its acknowledgements)` };
  return { partner, connectorId };
}

export function createAs2SendHandler(deps: As2SendDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    if (context) deps.once.registerContext(context);
    return eachLandedObject<IntakeObject>(
      event,
      async (object) => {
        const destination = object.origin?.tradingPartnerId ? b2biAs2Destination(object.origin.tradingPartnerId, deps) : as2Destination(object.key, deps);
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
      (body) => noticedObjects(body, b2biAcknowledgementObject),
    );
  };
}
