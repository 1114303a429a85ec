import { randomUUID } from 'node:crypto';
import { encodeCloudEvent, STRUCTURED_CONTENT_TYPE, type CloudEvent, type CloudEventMode } from './cloudevents';
import type { OutgoingWebhook } from './common';
import { parseJson } from './common/http';
import type { ErpOrder } from './erp-data';
import type { ErpInvoice, ErpQualityHold } from './erp-books';
import { canonicalHeaders } from './signing';

/** CloudEvent `type` values the ERP emits. Configurable because real ERPs name them their own way. */
export interface ErpEventTypes {
  orderReleased: string;
  invoicePosted: string;
  qualityHoldReleased: string;
  /** SAP S/4HANA-shaped sales order event, used by `releaseOrder(id, { flavor: 'sap' })`. */
  sapSalesOrderChanged: string;
}

export const DEFAULT_ERP_EVENT_TYPES: ErpEventTypes = {
  orderReleased: 'com.example.erp.order.released.v1',
  invoicePosted: 'com.example.erp.invoice.posted.v1',
  qualityHoldReleased: 'com.example.erp.quality-hold.released.v1',
  sapSalesOrderChanged: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
};

/** `source` of SAP-shaped events unless configured. */
export const DEFAULT_SAP_SOURCE = '/default/sap.s4.beh/S4HCLNT100';

/**
 * `order.released`, generic (fat: the whole order) or SAP-shaped (thin: `{"SalesOrder": ...}`, as SAP's
 * SalesOrder.Changed event, with an upper-case UUID id).
 */
export function orderReleasedEvent(order: ErpOrder, time: string, types: ErpEventTypes, options: { flavor?: 'generic' | 'sap'; sapSource: string }): CloudEvent {
  if (options.flavor === 'sap') {
    return {
      specversion: '1.0',
      type: types.sapSalesOrderChanged,
      source: options.sapSource,
      id: randomUUID().toUpperCase(),
      time,
      datacontenttype: 'application/json',
      // Thin event as SAP sends it: keys only; consumers read the order back through the API.
      data: { SalesOrder: order.orderId, EventRaisedDateTime: time, SalesOrderType: 'OR', SalesOrganization: '1010', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: order.customerId },
    };
  }
  return {
    specversion: '1.0',
    type: types.orderReleased,
    source: '/erp/orders',
    id: randomUUID(),
    time,
    subject: order.orderId,
    datacontenttype: 'application/json',
    data: structuredClone(order),
  };
}

/** A quality hold released inside the ERP (by a QA user). */
export function qualityHoldReleasedEvent(hold: ErpQualityHold, time: string, types: ErpEventTypes): CloudEvent {
  return {
    specversion: '1.0',
    type: types.qualityHoldReleased,
    source: '/erp/quality',
    id: randomUUID(),
    time: hold.releasedAt ?? time,
    subject: hold.holdId,
    datacontenttype: 'application/json',
    data: { holdId: hold.holdId, orderId: hold.orderId, shipmentId: hold.shipmentId, reason: hold.reason, releasedAt: hold.releasedAt, releasedBy: hold.releasedBy },
  };
}

export function invoicePostedEvent(invoice: ErpInvoice, types: ErpEventTypes): CloudEvent {
  return {
    specversion: '1.0',
    type: types.invoicePosted,
    source: '/erp/billing',
    id: randomUUID(),
    time: invoice.postedAt,
    subject: invoice.invoiceId,
    datacontenttype: 'application/json',
    data: structuredClone(invoice),
  };
}

/** A CloudEvent as a webhook of the `cloudevents` dialect, signed with the canonical scheme keyed with the cloudevents secret. */
export function cloudEventWebhook(event: CloudEvent, secret: string, options: { mode?: CloudEventMode; signedAt?: Date } = {}): Omit<OutgoingWebhook, 'url'> {
  const encoded = encodeCloudEvent(event, options.mode ?? 'structured');
  return {
    dialect: 'cloudevents',
    eventType: event.type,
    eventId: event.id,
    body: encoded.body,
    contentType: encoded.contentType,
    headers: encoded.headers,
    sign: (body, at) => canonicalHeaders(secret, body, at),
    ...(options.signedAt ? { signedAt: options.signedAt } : {}),
  };
}

/** A webhook as the CloudEvents contract sees it: structured, also when it was sent in binary mode (ce-* headers + data). */
export function structuredCloudEvent(webhook: Omit<OutgoingWebhook, 'url'>): unknown {
  const data = parseJson(webhook.body);
  if (webhook.contentType === STRUCTURED_CONTENT_TYPE) return data;
  const event: Record<string, unknown> = { datacontenttype: webhook.contentType, data };
  for (const [name, value] of Object.entries(webhook.headers ?? {})) if (name.startsWith('ce-')) event[name.slice(3)] = value;
  return event;
}
