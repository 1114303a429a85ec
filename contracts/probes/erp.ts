import { ErpClient } from '../../lambdas/erp/erp-client';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { erpDialects } from '../../lambdas/erp/inbound/routes';
import { SALES_ORDER_SERVICE_PATH, SapSalesOrderClient } from '../../lambdas/erp/sap-sales-order-client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import type { VendorProbe } from '../conformance';
import { dialectOutcome } from './intake';

const credentials = async () => ({ clientId: 'probe-client', clientSecret: 'probe-secret' });
const ERP_DIALECTS = erpDialects(new InMemorySapReadBackQueue());
const cloudEvent = (_event: string, example: unknown) => dialectOutcome(ERP_DIALECTS, 'cloudevents', example, { 'content-type': 'application/cloudevents+json' });

/** Generic ERP (our own API): the ERP port's calls — outbound adapter and exception workflows. */
export const genericErpProbe: VendorProbe = {
  contract: 'generic-erp',
  vendor: 'Generic ERP REST API (ERP, ours)',
  async exercise(fetchFor, baseUrl) {
    const erp = (caller: string) => new ErpClient(new HttpJsonClient({ target: 'ERP', baseUrl, timeoutMs: 1000, fetch: fetchFor(caller) }), credentials);
    await erp('ErpClient.getOrder').getOrder('SO-1001');
    await erp('ErpClient.getCustomerContract').getCustomerContract('C-77');
    await erp('ErpClient.updateShipmentStatus').updateShipmentStatus('SHP-1001-01', { status: 'in-transit', orderId: 'SO-1001', occurredAt: '2026-03-12T08:05:00Z', eventId: 'probe-event' }, 'probe-1');
    await erp('ErpClient.placeQualityHold').placeQualityHold({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01', reason: 'temperature excursion', severity: 'major' }, 'probe-2');
    await erp('ErpClient.releaseQualityHold').releaseQualityHold('QH-000001', 'probe-3');
    await erp('ErpClient.markBillingReady').markBillingReady('SO-1001', { shipmentId: 'SHP-1001-01', podDocumentId: 'POD-1', deliveredAt: '2026-03-12T13:40:00Z' }, 'probe-4');
  },
  answer(operationId) {
    if (operationId === 'placeQualityHold') return { status: 201, body: { holdId: 'QH-000001', orderId: 'SO-1001', status: 'active' } };
    return undefined;
  },
  webhook: cloudEvent,
};

/** SAP S/4HANA: the sales order read-back (XSUAA token, A_SalesOrder) and the business events. */
export const sapS4hanaProbe: VendorProbe = {
  contract: 'sap-s4hana',
  vendor: 'SAP S/4HANA (ERP)',
  basePath: SALES_ORDER_SERVICE_PATH,
  async exercise(fetchFor, baseUrl) {
    const host = new URL(baseUrl).origin;
    const http = new HttpJsonClient({ target: 'SAP S/4HANA', baseUrl: host, timeoutMs: 1000, fetch: fetchFor('SapSalesOrderClient.getSalesOrder') });
    await new SapSalesOrderClient(http, credentials, { tokenUrl: `${host}/oauth/token` }).getSalesOrder('1');
  },
  webhook: cloudEvent,
};
