import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { fileIntake, type TradingPartners } from '../../../../registry/file-intakes';
import { validateCanonicalEvent } from '../../../shared/canonical-validation';
import { numberEnv, requireEnv } from '../../../shared/env';
import { EventBridgePublisher } from '../../../shared/event-publisher';
import { S3FileStore } from '../../../shared/files/s3-files';
import { dynamoDbPersistenceLayer } from '../../../shared/idempotency';
import { logger, metrics, withPowertools } from '../../../shared/observability';
import { PowertoolsIdempotentRunner } from '../../../shared/outbound/idempotency';
import { createBatchHandler } from './batch';
import { DynamoDbInterchangeLedger } from './ledger';

/**
 * Carrier EDI X12 214 intake (registry/file-intakes.ts `edi`): S3 event notifications (SQS) → the landed files →
 * canonical fleet events on the bus, a 997 per interchange under the acknowledgement prefix (docs/edi.md); with the
 * stage's `b2bi` option, also AWS B2B Data Interchange's transformation events → the input files they name (B2BI
 * writes those files' 997s).
 * Env: `EVENT_BUS_NAME`, `IDEMPOTENCY_TABLE`, `INTAKE_BUCKET`, `TRADING_PARTNERS`, `FILE_DEDUPE_TTL_SECONDS`.
 */
const intake = fileIntake('edi');
const table = requireEnv('IDEMPOTENCY_TABLE');
const dynamodb = new DynamoDBClient({});
const { receiver, partners } = JSON.parse(requireEnv('TRADING_PARTNERS')) as TradingPartners;
const ttlSeconds = numberEnv('FILE_DEDUPE_TTL_SECONDS');
metrics.addDimension('intake', 'edi');

const inner = createBatchHandler({
  store: new S3FileStore(requireEnv('INTAKE_BUCKET')),
  publisher: new EventBridgePublisher({ busName: requireEnv('EVENT_BUS_NAME'), client: new EventBridgeClient({}) }),
  ledger: new DynamoDbInterchangeLedger(table, ttlSeconds, dynamodb),
  once: new PowertoolsIdempotentRunner(dynamoDbPersistenceLayer(table, dynamodb), { keyPrefix: 'edi-file', expiresAfterSeconds: ttlSeconds }),
  receiver,
  partners,
  // B2BI's events are routed here only when the stage enables it (lib/adapters/b2bi-inbound.ts).
  prefixes: { ...intake, b2biInputPrefix: intake.b2bi.inputPrefix },
  validate: (event) => {
    const result = validateCanonicalEvent(event);
    return result.ok ? [] : result.errors;
  },
  now: () => new Date(),
  log: { info: (m, extra) => logger.info(m, extra ?? {}), warn: (m, extra) => logger.warn(m, extra ?? {}), error: (m, extra) => logger.error(m, extra ?? {}) },
  count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
});

export const handler = withPowertools(inner);
