import { buildCanonicalEvent } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import type { DecodedEvent, DeferredMapResult, Dialect, MapResult } from '../../shared/webhook/dialect';
import { cloudEvent } from '../../shared/webhook/generated/vendor-validators.js';
import { mediaType, optionalHeader, type WebhookRequest } from '../../shared/webhook/request';
import { verifyLsyncRequest } from '../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { mapErpInvoice, mapErpOrder, mapErpQualityHold, validateErpInvoice, validateErpOrder, validateErpQualityHold, type MappedResource } from './generic-erp';
import {
  decodeSapOutboundDelivery,
  decodeSapSalesOrder,
  mapSapOutboundDelivery,
  readReleasedOrder,
  SAP_OUTBOUND_DELIVERY_CREATED,
  SAP_SALES_ORDER_TYPES,
  type OrderReader,
} from './sap-s4hana';

/**
 * ERP CloudEvents 1.0 (`POST /webhooks/erp/cloudevents`), structured mode (`application/cloudevents+json`,
 * the whole event in the body) or binary mode (`ce-*` headers, the data as an `application/json` body).
 * Signed with our HMAC scheme over the raw body (`X-Lsync-*`, secret `cloudeventsWebhookSecret`). In binary
 * mode the `ce-*` headers are outside the signature: prefer structured mode (docs/webhooks.md).
 *
 * Event types:
 * - SAP S/4HANA: sales order Created/Changed → `order.released` (read back), outbound delivery Created →
 *   `shipment.created` (enriched events only); see sap-s4hana.ts.
 * - generic ERP: `<reverse-dns>.order.released.v1`, `.invoice.posted.v1`, `.quality-hold.released.v1`, with the
 *   ERP's resource as `data`; see generic-erp.ts.
 * Any other type is answered 202 ignored.
 */

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data: Record<string, unknown>;
}

export const STRUCTURED_MEDIA_TYPE = 'application/cloudevents+json';
const validateCloudEvent = cloudEvent as SchemaValidator<CloudEvent>;
const GENERIC_TYPE = /^(?!sap\.)[A-Za-z0-9][A-Za-z0-9.-]*\.(order\.released|invoice\.posted|quality-hold\.released)\.v1$/;
const BINARY_ATTRIBUTES = ['id', 'source', 'type', 'subject', 'time', 'dataschema'] as const;

/** Builds the event from `ce-*` headers and the body (binary content mode). */
function fromBinary(request: WebhookRequest, data: unknown): Record<string, unknown> {
  const specversion = optionalHeader(request, 'ce-specversion');
  if (specversion === undefined) {
    throw new ValidationError('a binary-mode CloudEvent needs ce-specversion, ce-id, ce-source and ce-type headers (or send application/cloudevents+json)', 'header:ce-specversion');
  }
  const event: Record<string, unknown> = { specversion, datacontenttype: request.headers.get('content-type')?.[0], data };
  for (const name of BINARY_ATTRIBUTES) {
    const value = optionalHeader(request, `ce-${name}`);
    if (value !== undefined) event[name] = value;
  }
  return event;
}

export function decodeCloudEvent(request: WebhookRequest, json: unknown): DecodedEvent<CloudEvent> {
  const structured = mediaType(request) === STRUCTURED_MEDIA_TYPE;
  const event = validateOrThrow(validateCloudEvent, structured ? json : fromBinary(request, json), 'invalid CloudEvent');
  return { event, vendorEventId: event.id, vendorEventType: event.type, dedupeKey: `${event.source}#${event.id}` };
}

function toResult(decoded: DecodedEvent<CloudEvent>, receivedAt: string, vendor: string, eventType: string, mapped: MappedResource): MapResult {
  const detail = buildCanonicalEvent({
    eventType,
    system: 'erp',
    vendor,
    vendorEventId: decoded.vendorEventId,
    occurredAt: mapped.occurredAt ?? decoded.event.time ?? receivedAt,
    receivedAt,
    refs: mapped.refs,
    data: mapped.data,
  });
  return { kind: 'events', events: [detail] };
}

/** Pure mapping, except SAP sales orders, which read the order back through `orders` when completed. */
export function mapCloudEvent(decoded: DecodedEvent<CloudEvent>, receivedAt: string, orders: OrderReader): MapResult | DeferredMapResult {
  const { type, data } = decoded.event;
  if ((SAP_SALES_ORDER_TYPES as readonly string[]).includes(type)) {
    const salesOrder = decodeSapSalesOrder(data);
    return {
      kind: 'deferred',
      async complete() {
        const read = await readReleasedOrder(orders, salesOrder);
        return 'ignored' in read ? { kind: 'ignored', reason: read.ignored } : toResult(decoded, receivedAt, 'sap-s4hana', 'order.released', read);
      },
    };
  }
  if (type === SAP_OUTBOUND_DELIVERY_CREATED) {
    const mapped = mapSapOutboundDelivery(decodeSapOutboundDelivery(data));
    if (!mapped) return { kind: 'ignored', reason: 'thin SAP outbound delivery event: enrich it with the delivery fields (docs/webhooks.md)' };
    return toResult(decoded, receivedAt, 'sap-s4hana', 'shipment.created', mapped);
  }
  const generic = GENERIC_TYPE.exec(type)?.[1];
  switch (generic) {
    case 'order.released':
      return toResult(decoded, receivedAt, 'generic-erp', 'order.released', mapErpOrder(validateOrThrow(validateErpOrder, data, 'invalid ERP order', 'data')));
    case 'invoice.posted':
      return toResult(decoded, receivedAt, 'generic-erp', 'invoice.posted', mapErpInvoice(validateOrThrow(validateErpInvoice, data, 'invalid ERP invoice', 'data')));
    case 'quality-hold.released':
      return toResult(decoded, receivedAt, 'generic-erp', 'quality-hold.released', mapErpQualityHold(validateOrThrow(validateErpQualityHold, data, 'invalid ERP quality hold', 'data')));
    default:
      return { kind: 'ignored', reason: `CloudEvent type ${type} is not mapped` };
  }
}

/** The CloudEvents dialect; `orders` reads SAP's thin sales-order events back (the ERP API client in Lambda). */
export function cloudEventsDialect(orders: OrderReader): Dialect<CloudEvent> {
  return {
    name: 'cloudevents',
    vendor: 'cloudevents',
    system: 'erp',
    contentTypes: [STRUCTURED_MEDIA_TYPE, 'application/json'],
    secretKey: 'cloudeventsWebhookSecret',
    verify: verifyLsyncRequest,
    decode: decodeCloudEvent,
    map: (decoded, receivedAt) => mapCloudEvent(decoded, receivedAt, orders),
  };
}
