/**
 * The generic ERP client (lambdas/erp/erp-client.ts) against our published ERP contract
 * (contracts/generic-erp/openapi.json): every request it builds is checked by the contract, no simulator in between.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, type Contract } from '../../contracts/contract';
import { ErpClient } from '../../lambdas/erp/erp-client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { contractFetch, expectAllConform, type CannedResponse, type ContractCall } from './support';

let contract: Contract;
beforeAll(async () => {
  contract = await loadContract('generic-erp');
});

const ORDER = { orderId: 'SO-1001', customerId: 'C-77', requestedDeliveryWindow: { from: '2026-03-12T12:00:00Z', to: '2026-03-12T16:00:00Z' }, shipFrom: { locationId: 'DC-01' }, shipTo: { locationId: 'C-77-DOCK-1' }, lines: [{ lineNumber: 10, product: { sku: 'VAC-FLU-25' }, quantity: 40, unit: 'CS' }] };
const HOLD = { holdId: 'QH-000001', orderId: 'SO-1001', status: 'active' };

/** Answers each operation with a body its documented response accepts. */
function answer(call: ContractCall): CannedResponse {
  switch (call.check.operationId) {
    case 'requestToken':
      return { status: 200, body: { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 } };
    case 'getOrder':
      return { status: 200, body: ORDER };
    case 'getCustomerContract':
      return { status: 200, body: { customerId: 'C-77', sla: { deliveryWindowHours: 4 } } };
    case 'updateShipmentStatus':
      return { status: 200, body: { shipmentId: 'SHP-1', orderId: 'SO-1001', status: 'in-transit', version: 1 } };
    case 'placeQualityHold':
      return { status: 201, body: HOLD };
    case 'releaseQualityHold':
      return { status: 200, body: { ...HOLD, status: 'released' } };
    case 'markBillingReady':
      return { status: 202, body: { orderId: 'SO-1001', deliveredAt: '2026-03-12T13:40:00Z', billingStatus: 'billing-ready' } };
    default:
      return { status: 404, body: { error: { code: 'not_found', message: 'no such operation' } } };
  }
}

function client(respond: (call: ContractCall) => CannedResponse = answer, credentials = { clientId: "lsync client!'()*", clientSecret: 's3cr3t: +/%' }) {
  const recorder = contractFetch(contract, respond, { basePath: '/api' });
  const http = new HttpJsonClient({ target: 'ERP', baseUrl: 'https://vendor.test/api', fetch: recorder.fetch });
  return { erp: new ErpClient(http, async () => credentials), calls: recorder.calls };
}

describe('ErpClient ⟷ contracts/generic-erp', () => {
  test('every call of the ERP port conforms: token, order, contract, status, hold, release, billing-ready', async () => {
    const { erp, calls } = client();
    await erp.getOrder('SO-1001');
    await erp.getCustomerContract('C-77');
    await erp.updateShipmentStatus('SHP-1', { status: 'in-transit', orderId: 'SO-1001', occurredAt: '2026-03-12T08:05:00Z', eventId: 'e'.repeat(64) }, 'key-1');
    await erp.updateShipmentStatus('SHP-1', { status: 'exception', occurredAt: '2026-03-12T09:05:00Z', eventId: 'e2', reason: 'temperature excursion' }, 'key-2');
    expect(await erp.placeQualityHold({ orderId: 'SO-1001', shipmentId: 'SHP-1', reason: 'temperature excursion', severity: 'major' }, 'key-3')).toEqual({ holdId: 'QH-000001' });
    await erp.releaseQualityHold('QH-000001', 'key-4');
    await erp.markBillingReady('SO-1001', { shipmentId: 'SHP-1', podDocumentId: 'POD-1', deliveredAt: '2026-03-12T13:40:00Z' }, 'key-5');
    expectAllConform(calls);
    expect(calls.map((c) => c.check.operationId)).toEqual([
      'requestToken',
      'getOrder',
      'getCustomerContract',
      'updateShipmentStatus',
      'updateShipmentStatus',
      'placeQualityHold',
      'releaseQualityHold',
      'markBillingReady',
    ]);
    // Writes carry the caller's Idempotency-Key; reads carry the Bearer token.
    expect(calls.filter((c) => c.method !== 'GET' && c.path !== '/oauth/token').map((c) => c.headers['idempotency-key'])).toEqual(['key-1', 'key-2', 'key-3', 'key-4', 'key-5']);
    expect(calls[1].headers.authorization).toBe('Bearer tok');
    // The token request: form body, HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1).
    expect(calls[0].body).toEqual({ grant_type: 'client_credentials' });
    expect(Buffer.from(calls[0].headers.authorization.replace(/^Basic /, ''), 'base64').toString()).toBe('lsync+client%21%27%28%29%2A:s3cr3t%3A+%2B%2F%25');
  });

  test('a request outside the contract is caught: a status the API does not have, a hold without severity', async () => {
    const { erp, calls } = client();
    await erp.updateShipmentStatus('SHP-1', { status: 'teleported' as never, occurredAt: '2026-03-12T08:05:00Z', eventId: 'e' }, 'key-1');
    await erp.placeQualityHold({ orderId: 'SO-1001', reason: 'r', severity: '' }, 'key-2');
    const [, status, hold] = calls;
    expect(status.check.errors.join('; ')).toMatch(/status must be one of/);
    expect(hold.check.errors.join('; ')).toMatch(/severity/);
    expect(() => expectAllConform(calls)).toThrow();
  });
});
