import { SQSClient } from '@aws-sdk/client-sqs';
import { optionalEnv, requireEnv } from '../../shared/env';
import { SqsBcReadBackQueue, UNCONFIGURED_BC_QUEUE } from '../business-central/read-back-queue';
import { createInboundHandler } from '../../shared/webhook/runtime';
import { SqsSapReadBackQueue } from './read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from './routes';

/**
 * ERP webhooks: CloudEvents (SAP S/4HANA and generic ERP) and the canonical dialect. SAP's thin sales-order
 * events go to the read-back queue (`READ_BACK_QUEUE_URL`), whose function reads API_SALES_ORDER_SRV.
 */
export const handler = createInboundHandler({
  system: 'erp',
  dialects: erpDialects(
    new SqsSapReadBackQueue(new SQSClient({}), requireEnv('READ_BACK_QUEUE_URL')),
    optionalEnv('BC_READ_BACK_QUEUE_URL') ? new SqsBcReadBackQueue(new SQSClient({}), optionalEnv('BC_READ_BACK_QUEUE_URL')!) : UNCONFIGURED_BC_QUEUE,
  ),
  canonicalValidators: ERP_CANONICAL_VALIDATORS,
});
