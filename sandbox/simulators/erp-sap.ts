import { json, type SimRequest, type SimResponse } from './common';
import { invoiceAmounts, type ErpOrder } from './erp-data';

/**
 * The ERP's SAP S/4HANA face: the sales order OData V2 service (API_SALES_ORDER_SRV) our read-back calls,
 * held to contracts/sap-s4hana.
 */

/** Service root of SAP's sales order OData V2 API (API_SALES_ORDER_SRV) on the simulated S/4HANA host. */
export const SAP_SALES_ORDER_SERVICE = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';
/** Delivery block the simulated SAP sets on an order until it is released (a customer-defined reason code). */
export const SAP_RELEASE_BLOCK = 'ZR';

/** OData V2 JSON date: `/Date(<ms>)/` (Edm.DateTime) or `/Date(<ms>+0000)/` (Edm.DateTimeOffset). */
function odataDate(iso: string, offset = false): string {
  return `/Date(${Date.parse(iso)}${offset ? '+0000' : ''})/`;
}

/** Midnight UTC of the day of `iso`, as Edm.DateTime. */
function odataDay(iso: string): string {
  return `/Date(${Date.parse(`${iso.slice(0, 10)}T00:00:00Z`)})/`;
}

/** An OData V2 string key literal `'…'` (a quote inside doubled) → its value; undefined when malformed. */
function odataStringKey(literal: string): string | undefined {
  const match = /^'((?:[^']|'')*)'$/.exec(literal);
  return match ? match[1].replaceAll("''", "'") : undefined;
}

/** SAP codes are short: a plant or shipping point has at most 4 characters. */
function sapCode(id: string, length: number): string {
  return id.replace(/[^A-Za-z0-9]/g, '').slice(0, length).toUpperCase();
}

/** OData V2 JSON error body (SAP Gateway): `{"error":{"code","message":{"lang","value"}}}`. */
export function odataError(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
  return json(status, { error: { code, message: { lang: 'en', value: message } } }, headers);
}

/**
 * `GET …/API_SALES_ORDER_SRV/A_SalesOrder('<id>')`: the order as SAP's OData V2 service answers it (`d`
 * envelope, decimals as strings, `/Date(ms)/` dates, `$expand=to_Item,to_Partner` honoured, deferred
 * navigation otherwise). An order not yet released carries delivery block ZR; a billed one is completely
 * processed. JSON only (Accept: application/json or $format=json); 404 in SAP's OData error body.
 */
export function sapSalesOrder(req: SimRequest, orders: ReadonlyMap<string, ErpOrder>, baseUrl: string): SimResponse {
  const key = odataStringKey(req.params.key);
  if (key === undefined) return odataError(400, '/IWBEP/CM_MGW_RT/004', `Invalid key predicate (${req.params.key.slice(0, 40)}): A_SalesOrder('<SalesOrder>') expected`);
  const wantsJson = req.query.get('$format') === 'json' || (req.headers.accept ?? '').includes('application/json');
  if (!wantsJson) return odataError(406, '/IWBEP/CM_MGW_RT/006', 'The simulator answers JSON only: send Accept: application/json or $format=json');
  const order = orders.get(key);
  if (!order) return odataError(404, '/IWBEP/CM_MGW_RT/020', "Resource not found for segment 'A_SalesOrderType'");
  const expand = new Set((req.query.get('$expand') ?? '').split(',').filter(Boolean));
  return json(200, { d: toSapSalesOrder(order, expand, `${baseUrl}${SAP_SALES_ORDER_SERVICE}`) }, { 'dataserviceversion': '2.0' });
}

/** The order as an A_SalesOrder entity (the properties the contract lists, and the YY1 custom fields of a cold-chain tenant). */
function toSapSalesOrder(order: ErpOrder, expand: ReadonlySet<string>, root: string): Record<string, unknown> {
  const uri = `${root}/A_SalesOrder('${order.orderId}')`;
  const completed = order.status === 'billing-ready' || order.status === 'invoiced';
  const net = invoiceAmounts(order, 0).netAmount;
  const shippingPoint = sapCode(order.shipFrom.locationId, 4);
  const items = order.lines.map((line) => ({
    __metadata: { id: `${root}/A_SalesOrderItem(SalesOrder='${order.orderId}',SalesOrderItem='${line.lineNumber}')`, uri: `${root}/A_SalesOrderItem(SalesOrder='${order.orderId}',SalesOrderItem='${line.lineNumber}')`, type: 'API_SALES_ORDER_SRV.A_SalesOrderItemType' },
    SalesOrder: order.orderId,
    SalesOrderItem: String(line.lineNumber),
    SalesOrderItemText: line.product.description.slice(0, 40),
    Material: line.product.sku,
    RequestedQuantity: String(line.quantity),
    RequestedQuantityUnit: line.unit.slice(0, 3),
    RequestedQuantityISOUnit: line.unit.slice(0, 3),
    ItemGrossWeight: line.grossWeightKg.toFixed(3),
    ItemWeightUnit: 'KG',
    ProductionPlant: '1010',
    ShippingPoint: shippingPoint,
  }));
  const partner = (fn: string, customer: string) => ({
    __metadata: { id: `${root}/A_SalesOrderHeaderPartner(SalesOrder='${order.orderId}',PartnerFunction='${fn}')`, uri: `${root}/A_SalesOrderHeaderPartner(SalesOrder='${order.orderId}',PartnerFunction='${fn}')`, type: 'API_SALES_ORDER_SRV.A_SalesOrderHeaderPartnerType' },
    SalesOrder: order.orderId,
    PartnerFunction: fn,
    Customer: customer,
    Supplier: '',
    Personnel: '',
    ContactPerson: '',
  });
  const range = order.temperatureRange;
  return {
    __metadata: { id: uri, uri, type: 'API_SALES_ORDER_SRV.A_SalesOrderType' },
    SalesOrder: order.orderId,
    SalesOrderType: 'OR',
    SalesOrganization: '1010',
    DistributionChannel: '10',
    OrganizationDivision: '00',
    SoldToParty: order.customerId,
    CreationDate: odataDay(order.createdAt),
    LastChangeDateTime: odataDate(order.releasedAt ?? order.createdAt, true),
    RequestedDeliveryDate: odataDay(order.requestedDeliveryWindow.from),
    TotalNetAmount: net,
    TransactionCurrency: order.currency,
    DeliveryBlockReason: order.status === 'open' ? SAP_RELEASE_BLOCK : '',
    OverallSDProcessStatus: completed ? 'C' : 'A',
    TotalCreditCheckStatus: 'A',
    OverallTotalDeliveryStatus: completed ? 'C' : '',
    OverallSDDocumentRejectionSts: 'A',
    YY1_TemperatureMin_SDH: range ? range.minCelsius.toFixed(1) : null,
    YY1_TemperatureMax_SDH: range ? range.maxCelsius.toFixed(1) : null,
    YY1_DeliveryWindowStart_SDH: odataDate(order.requestedDeliveryWindow.from, true),
    YY1_DeliveryWindowEnd_SDH: odataDate(order.requestedDeliveryWindow.to, true),
    YY1_FleetVehicle_SDH: order.assignment?.vehicleId ?? '',
    YY1_FleetTrailer_SDH: order.assignment?.trailerId ?? '',
    YY1_FleetDriver_SDH: order.assignment?.driverId ?? '',
    to_Item: expand.has('to_Item') ? { results: items } : { __deferred: { uri: `${uri}/to_Item` } },
    // The customer receives at its own address: ship-to (WE) is the sold-to party (AG).
    to_Partner: expand.has('to_Partner') ? { results: [partner('AG', order.customerId), partner('WE', order.customerId)] } : { __deferred: { uri: `${uri}/to_Partner` } },
  };
}
