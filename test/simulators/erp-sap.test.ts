/**
 * The ERP simulator as SAP S/4HANA: the OData read-back of API_SALES_ORDER_SRV and an XSUAA-like token
 * endpoint, held to contracts/sap-s4hana; the thin SAP events it sends, held to contracts/sap-s4hana and
 * contracts/cloudevents, in both HTTP modes. Driven by our SAP client, so client and simulator each meet the
 * contract (neither is written from the other).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decodeSapSalesOrderEntity, releaseDecision } from '../../lambdas/erp/inbound/sap-s4hana';
import { SapSalesOrderClient } from '../../lambdas/erp/sap-sales-order-client';
import { RejectedByTargetError } from '../../lambdas/shared/errors';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { DEFAULT_ERP_CREDENTIALS, ErpSimulator, SAP_RELEASE_BLOCK, SAP_SALES_ORDER_SERVICE, XSUAA_PATH } from '../../sandbox/simulators/erp';
import { SECRETS, getJson, startReceiver, type Receiver } from './helpers';

describe('ERP simulator as SAP S/4HANA (API_SALES_ORDER_SRV, XSUAA)', () => {
  let receiver: Receiver;
  let erp: ErpSimulator;
  let sap: SapSalesOrderClient;

  beforeAll(async () => {
    receiver = await startReceiver();
    erp = new ErpSimulator({ cloudEventsSecret: SECRETS.cloudevents, webhookUrl: `${receiver.url}/webhooks/erp/cloudevents`, autoPostInvoice: false });
    await erp.start();
  });
  afterAll(async () => {
    await erp.stop();
    await receiver.close();
  });
  beforeEach(() => {
    erp.reset();
    const http = new HttpJsonClient({ target: 'SAP S/4HANA', baseUrl: erp.url, timeoutMs: 2000 });
    sap = new SapSalesOrderClient(http, async () => DEFAULT_ERP_CREDENTIALS, { tokenUrl: `${erp.url}${XSUAA_PATH}/oauth/token` });
  });

  test('an open order has the release block; after releaseOrder(flavor sap) it is released for fulfilment', async () => {
    const open = decodeSapSalesOrderEntity(await sap.getSalesOrder('SO-1001'));
    expect(open).toMatchObject({ SalesOrder: 'SO-1001', SoldToParty: 'C-77', DeliveryBlockReason: SAP_RELEASE_BLOCK, OverallSDProcessStatus: 'A' });
    expect(releaseDecision(open)).toEqual({ released: false, reason: `sales order SO-1001 has delivery block ${SAP_RELEASE_BLOCK}` });
    await erp.releaseOrder('SO-1001', { flavor: 'sap' });
    const released = decodeSapSalesOrderEntity(await sap.getSalesOrder('SO-1001'));
    expect(releaseDecision(released)).toEqual({ released: true });
    expect(released).toMatchObject({ YY1_FleetVehicle_SDH: 'erp.vehicle:TRK-17', YY1_FleetTrailer_SDH: 'erp.trailer:RF-204', to_Item: { results: [expect.objectContaining({ Material: 'VAC-FLU-25', RequestedQuantity: '40' }), expect.anything()] } });
    // One XSUAA token, two reads, each matched to the contract operation without errors.
    expect(erp.callsTo('POST', `${XSUAA_PATH}/oauth/token`)).toHaveLength(1);
    const reads = erp.calls.filter((c) => c.path.startsWith(SAP_SALES_ORDER_SERVICE));
    expect(reads.map((c) => [c.status, c.contract?.operationId, c.contract?.errors])).toEqual([
      [200, 'getSalesOrder', []],
      [200, 'getSalesOrder', []],
    ]);
  });

  test("an unknown sales order is 404 in SAP's OData error body, which the client turns into RejectedByTarget", async () => {
    await expect(sap.getSalesOrder('4711')).rejects.toBeInstanceOf(RejectedByTargetError);
    const raw = await getJson(`${erp.url}${SAP_SALES_ORDER_SERVICE}/A_SalesOrder('4711')?$format=json`, { headers: { authorization: `Bearer ${await xsuaaToken()}` } });
    expect(raw).toMatchObject({ status: 404, body: { error: { code: expect.any(String), message: { lang: 'en', value: expect.stringMatching(/not found/) } } } });
  });

  test('a request outside the contract is refused with an OData 400; navigation not expanded is deferred', async () => {
    const token = await xsuaaToken();
    const bad = await getJson(`${erp.url}${SAP_SALES_ORDER_SERVICE}/A_SalesOrder('SO-1001')?$expand=to_Header`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { message: { value: expect.stringMatching(/\$expand/) } } } });
    const bare = await getJson(`${erp.url}${SAP_SALES_ORDER_SERVICE}/A_SalesOrder('SO-1001')`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    expect(bare).toMatchObject({ status: 200, body: { d: { to_Item: { __deferred: { uri: expect.stringMatching(/to_Item$/) } } } } });
  });

  test('the thin SAP event is sent in both modes and is checked against the SAP and CloudEvents contracts', async () => {
    const before = receiver.requests.length;
    await erp.releaseOrder('SO-1002', { flavor: 'sap' });
    await erp.releaseOrder('SO-1003', { flavor: 'sap', mode: 'binary' });
    await erp.settled();
    const [structured, binary] = receiver.requests.slice(before);
    expect(JSON.parse(structured.body)).toMatchObject({ specversion: '1.0', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', data: { SalesOrder: 'SO-1002' } });
    expect(binary.headers['ce-type']).toBe('sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1');
    expect(JSON.parse(binary.body)).toMatchObject({ SalesOrder: 'SO-1003' });
  });

  async function xsuaaToken(): Promise<string> {
    const basic = Buffer.from(`${DEFAULT_ERP_CREDENTIALS.clientId}:${DEFAULT_ERP_CREDENTIALS.clientSecret}`).toString('base64');
    const res = await getJson(`${erp.url}${XSUAA_PATH}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` }, body: 'grant_type=client_credentials' });
    expect(res).toMatchObject({ status: 200, body: { token_type: 'bearer', access_token: expect.any(String) } });
    return (res.body as { access_token: string }).access_token;
  }
});
