/**
 * The SAP read-back client (lambdas/erp/sap-sales-order-client.ts) against SAP's contract
 * (contracts/sap-s4hana/openapi.json): the OData request for A_SalesOrder by key and the XSUAA token request.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, type Contract } from '../../contracts/contract';
import { odataStringKey, SALES_ORDER_SERVICE_PATH, SapSalesOrderClient } from '../../lambdas/erp/sap-sales-order-client';
import { decodeSapSalesOrderEntity, mapSapSalesOrder } from '../../lambdas/erp/inbound/sap-s4hana';
import { RejectedByTargetError } from '../../lambdas/shared/errors';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { sapSalesOrderEntity } from '../inbound/fixtures/payloads';
import { contractFetch, expectAllConform, type CannedResponse, type ContractCall } from './support';

let contract: Contract;
beforeAll(async () => {
  contract = await loadContract('sap-s4hana');
});

const TOKEN_URL = 'https://vendor.test/oauth/token';

function answer(call: ContractCall): CannedResponse {
  if (call.check.operationId === 'requestToken') return { status: 200, body: { access_token: 'tok', token_type: 'bearer', expires_in: 43199, scope: 'uaa.resource', jti: 'abc' } };
  if (call.path === "/A_SalesOrder('SO-1001')") return { status: 200, body: { d: sapSalesOrderEntity() } };
  return { status: 404, body: { error: { code: '/IWBEP/CM_MGW_RT/020', message: { lang: 'en', value: "Resource not found for segment 'A_SalesOrderType'" } } } };
}

function client(respond: (call: ContractCall) => CannedResponse = answer) {
  const recorder = contractFetch(contract, respond, { basePath: SALES_ORDER_SERVICE_PATH });
  const http = new HttpJsonClient({ target: 'SAP S/4HANA', baseUrl: 'https://vendor.test', fetch: recorder.fetch });
  return { sap: new SapSalesOrderClient(http, async () => ({ clientId: 'sb-lsync!t1', clientSecret: 'a+b/c=' }), { tokenUrl: TOKEN_URL }), calls: recorder.calls };
}

describe('SapSalesOrderClient ⟷ contracts/sap-s4hana', () => {
  test('reads A_SalesOrder(<key>) with $expand=to_Item,to_Partner as JSON after an XSUAA token; the d object maps to order.released', async () => {
    const { sap, calls } = client();
    const order = await sap.getSalesOrder('SO-1001');
    expectAllConform(calls);
    expect(calls.map((c) => c.check.operationId)).toEqual(['requestToken', 'getSalesOrder']);
    const [token, read] = calls;
    expect(token.body).toEqual({ grant_type: 'client_credentials' });
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from('sb-lsync%21t1:a%2Bb%2Fc%3D').toString('base64')}`);
    expect(read.query).toEqual({ $expand: 'to_Item,to_Partner' });
    expect(read.headers.accept).toBe('application/json');
    expect(read.headers.authorization).toBe('Bearer tok');
    expect(decodeSapSalesOrderEntity(order).SalesOrder).toBe('SO-1001');
    expect(mapSapSalesOrder(decodeSapSalesOrderEntity(order)).refs).toEqual({ orderId: 'SO-1001', customerId: 'C-77' });
  });

  test("the key is an OData string literal: quotes doubled, then percent-encoded", () => {
    expect(odataStringKey('1')).toBe("'1'");
    expect(odataStringKey("O'Neil 1/2")).toBe("'O''Neil%201%2F2'");
  });

  test('404 (OData error body) is RejectedByTarget with the reason, for the read-back to dead-letter', async () => {
    const { sap, calls } = client();
    const failure = await sap.getSalesOrder('4711').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RejectedByTargetError);
    expect((failure as RejectedByTargetError).status).toBe(404);
    expect((failure as Error).message).toBe('sales order 4711 was not found in API_SALES_ORDER_SRV (404)');
    expectAllConform(calls);
  });

  test('a request outside the contract is caught: a navigation property the service does not have, another format', async () => {
    const recorder = contractFetch(contract, answer, { basePath: SALES_ORDER_SERVICE_PATH });
    await recorder.fetch(`https://vendor.test${SALES_ORDER_SERVICE_PATH}/A_SalesOrder('1')?$expand=to_Header`, { headers: { accept: 'application/json' } });
    await recorder.fetch(`https://vendor.test${SALES_ORDER_SERVICE_PATH}/A_SalesOrder('1')?$format=csv`);
    await recorder.fetch(`https://vendor.test${SALES_ORDER_SERVICE_PATH}/A_SalesOrders`);
    expect(recorder.calls[0].check.errors.join('; ')).toMatch(/\$expand/);
    expect(recorder.calls[1].check.errors.join('; ')).toMatch(/\$format/);
    expect(recorder.calls[2].check.operationId).toBeUndefined();
    expect(() => expectAllConform(recorder.calls)).toThrow();
  });
});
