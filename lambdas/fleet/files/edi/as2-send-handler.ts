import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StartFileTransferCommand, TransferClient } from '@aws-sdk/client-transfer';
import { fileIntake } from '../../../../registry/file-intakes';
import { numberEnv, optionalEnv, requireEnv } from '../../../shared/env';
import { dynamoDbPersistenceLayer } from '../../../shared/idempotency';
import { logger, withPowertools } from '../../../shared/observability';
import { PowertoolsIdempotentRunner } from '../../../shared/outbound/idempotency';
import { createAs2SendHandler } from './as2-send';

/**
 * The EDI intake's acknowledgements to AS2 partners (as2-send.ts): S3 notifications of new `.997` objects (SQS) →
 * Transfer Family `StartFileTransfer` through the partner's connector.
 * With the stage's `b2bi` option, B2BI's `Acknowledgement Completed` events instead (the 997s are B2BI's).
 * Env: `AS2_CONNECTORS` (JSON: partner → connector id), `B2BI_TRADING_PARTNERS` (JSON: partner → B2BI trading partner
 * id; b2bi only), `IDEMPOTENCY_TABLE`, `FILE_DEDUPE_TTL_SECONDS`.
 */
const transfer = new TransferClient({});
const inner = createAs2SendHandler({
  connectors: JSON.parse(requireEnv('AS2_CONNECTORS')) as Record<string, string>,
  acknowledgementPrefix: fileIntake('edi').acknowledgementPrefix,
  b2biTradingPartners: JSON.parse(optionalEnv('B2BI_TRADING_PARTNERS') ?? '{}') as Record<string, string>,
  sender: {
    send: async (connectorId, filePath) => (await transfer.send(new StartFileTransferCommand({ ConnectorId: connectorId, SendFilePaths: [filePath] }))).TransferId ?? '',
  },
  once: new PowertoolsIdempotentRunner(dynamoDbPersistenceLayer(requireEnv('IDEMPOTENCY_TABLE'), new DynamoDBClient({})), {
    keyPrefix: 'edi-as2-send',
    expiresAfterSeconds: numberEnv('FILE_DEDUPE_TTL_SECONDS'),
  }),
  log: { info: (m, extra) => logger.info(m, extra ?? {}), error: (m, extra) => logger.error(m, extra ?? {}) },
});

export const handler = withPowertools(inner);
