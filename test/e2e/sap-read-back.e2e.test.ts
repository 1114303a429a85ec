/**
 * SAP S/4HANA read-back end to end, in the sandbox: a signed thin SAP sales-order event is queued by the ERP
 * webhook (202 queued); the read-back function (its real bundle) takes an XSUAA token and reads
 * A_SalesOrder from the simulator's API_SALES_ORDER_SRV; a sales order the service does not have ends in the
 * erp-sap-read-back DLQ with the reason `lsync dlq` shows. Nothing is lost on the way.
 */
import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { signLsync } from '../../lambdas/shared/webhook/signatures';
import { aws, eventually, sandbox, sim } from './support';

const sqs = new SQSClient(aws());
afterAll(() => sqs.destroy());

const SERVICE = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';

interface CallRecord {
  method: string;
  path: string;
  status: number | null;
  contract?: { operationId?: string; errors: string[] };
}

async function postSapEvent(salesOrder: string, id = randomUUID()) {
  const body = JSON.stringify({
    type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
    specversion: '1.0',
    source: '/default/sap.s4.beh/S4HCLNT100',
    id,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { SalesOrder: salesOrder },
  });
  const at = Math.floor(Date.now() / 1000);
  const response = await fetch(`${sandbox().webhookBaseUrl}/webhooks/erp/cloudevents`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', 'x-lsync-timestamp': String(at), 'x-lsync-signature': signLsync(sandbox().secrets.cloudevents, at, body) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function dlqUrl(queueName: string): string {
  for (const [key, value] of Object.entries(sandbox().outputs[sandbox().stackName] ?? {})) {
    if (!key.startsWith('LsyncQueue')) continue;
    const discovery = JSON.parse(value) as { name: string; dlqUrl: string };
    if (discovery.name === queueName) return discovery.dlqUrl;
  }
  throw new Error(`no discovery output for queue ${queueName}`);
}

async function erpCalls(method: string, pattern: string): Promise<CallRecord[]> {
  return (await sim<{ calls: CallRecord[] }>('erp', 'GET', `/__sim/calls?method=${method}&path=${encodeURIComponent(pattern)}`)).calls;
}

describe('SAP read-back in the sandbox', () => {
  test('a thin event for an existing sales order is queued and read back from API_SALES_ORDER_SRV with an XSUAA token', { timeout: 60_000 }, async () => {
    const response = await postSapEvent('SO-1003');
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body).toMatchObject({ status: 'queued' });
    const reads = await eventually(
      async () => {
        const found = (await erpCalls('GET', `${SERVICE}/**`)).filter((c) => c.path === `${SERVICE}/A_SalesOrder('SO-1003')` && c.status === 200);
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'the OData read of SO-1003',
    );
    expect(reads[0].contract).toEqual({ operationId: 'getSalesOrder', errors: [] });
    expect((await erpCalls('POST', '/xsuaa/oauth/token')).some((c) => c.status === 200)).toBe(true);
  });

  test('a sales order the service does not have ends in the erp-sap-read-back DLQ with the reason', { timeout: 60_000 }, async () => {
    const salesOrder = `E2E${randomUUID().slice(0, 6)}`;
    const response = await postSapEvent(salesOrder);
    expect(response.status).toBe(202);
    const dead = await eventually(
      async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl('erp-sap-read-back'), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: 1 }));
        return Messages?.find((m) => m.Body?.includes(salesOrder));
      },
      40_000,
      'the read-back request in the DLQ',
    );
    expect(dead.MessageAttributes?.[DLQ_ATTRIBUTES.errorClass]?.StringValue).toBe('RejectedByTarget');
    expect(dead.MessageAttributes?.[DLQ_ATTRIBUTES.errorReason]?.StringValue).toBe(`sales order ${salesOrder} was not found in API_SALES_ORDER_SRV (404)`);
  });
});
