import { SQSClient } from '@aws-sdk/client-sqs';
import { requireEnv } from '../../shared/env';
import { createInboundHandler } from '../../shared/webhook/runtime';
import { SqsSapReadBackQueue } from './read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from './routes';

/**
 * ERP webhooks: CloudEvents (SAP S/4HANA and generic ERP) and the canonical dialect. SAP's thin sales-order
 * events go to the read-back queue (`READ_BACK_QUEUE_URL`), whose function reads API_SALES_ORDER_SRV.
 */
export const handler = createInboundHandler({
  system: 'erp',
  dialects: erpDialects(new SqsSapReadBackQueue(new SQSClient({}), requireEnv('READ_BACK_QUEUE_URL'))),
  canonicalValidators: ERP_CANONICAL_VALIDATORS,
});
