import { buildCanonicalEvent, factKey } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import { dialectIdentity, type DecodedEvent, type DeferredMapResult, type Dialect, type MapResult } from '../../shared/webhook/dialect';
import { cloudEvent } from '../../shared/webhook/generated/vendor-validators.js';
import { mediaType, optionalHeader, type WebhookRequest } from '../../shared/webhook/request';
import { verifyLsyncRequest } from '../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { mapErpInvoice, mapErpOrder, mapErpQualityHold, validateErpInvoice, validateErpOrder, validateErpQualityHold, type MappedResource } from './generic-erp';
import { decodeSapOutboundDelivery, decodeSapSalesOrder, mapSapOutboundDelivery, readBackRequest, SAP_OUTBOUND_DELIVERY_CREATED, SAP_SALES_ORDER_TYPES, type SapReadBackQueue } from './sap-s4hana';
import { VENDOR_DIALECTS } from '../../../registry/vendors';

/**
 * ERP CloudEvents 1.0 (`POST /webhooks/erp/cloudevents`), structured mode (`application/cloudevents+json`,
 * the whole event in the body) or binary mode (`ce-*` headers, the data as an `application/json` body).
 * Signed with our HMAC scheme over the raw body (`X-Lsync-*`, secret `cloudeventsWebhookSecret`). In binary
 * mode the `ce-*` headers are outside the signature: prefer structured mode (docs/webhooks.md).
 *
 * Every event CloudEvents 1.0.2 allows is accepted (schemas/vendors/cloudevent.schema.json): `data` is optional,
 * any JSON value or `data_base64`. Event types:
 * - SAP S/4HANA: sales order Created/Changed → queued for the read-back (202 `queued`; the read-back function
 *   publishes `order.released`), outbound delivery Created → `shipment.created` (enriched events only); see
 *   sap-s4hana.ts.
 * - generic ERP: `<reverse-dns>.order.released.v1`, `.invoice.posted.v1`, `.quality-hold.released.v1`, with the
 *   ERP's resource as `data`; see generic-erp.ts.
 * Every mapped type needs `data` as a JSON object: without it (or with `data_base64`, or another JSON value)
 * the answer is 400 naming `data`. Any other type is answered 202 ignored, with or without data.
 */

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  /** Any JSON value, or absent (CloudEvents 1.0.2 §3.1 "data" is optional). */
  data?: unknown;
  data_base64?: string;
}

export const STRUCTURED_MEDIA_TYPE = VENDOR_DIALECTS.cloudevents.contentTypes[0];
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
  const candidate = structured ? json : fromBinary(request, json);
  if (candidate && typeof candidate === 'object' && 'data' in candidate && 'data_base64' in candidate) {
    throw new ValidationError('invalid CloudEvent: data_base64 must not be present together with data (JSON format §3.1)', 'data_base64');
  }
  const event = validateOrThrow(validateCloudEvent, candidate, 'invalid CloudEvent');
  return { event, vendorEventId: event.id, vendorEventType: event.type, dedupeKey: `${event.source}#${event.id}` };
}

function toResult(decoded: DecodedEvent<CloudEvent>, receivedAt: string, vendor: string, eventType: string, mapped: MappedResource, fact?: string): MapResult {
  const detail = buildCanonicalEvent({
    eventType,
    system: 'erp',
    vendor,
    vendorEventId: decoded.vendorEventId,
    ...(fact ? { fact } : {}),
    occurredAt: mapped.occurredAt ?? decoded.event.time ?? receivedAt,
    receivedAt,
    refs: mapped.refs,
    data: mapped.data,
  });
  return { kind: 'events', events: [detail] };
}

/** The event's `data` as a JSON object, for a type whose mapping needs it; 400 naming `data` otherwise. */
function objectData(event: CloudEvent): Record<string, unknown> {
  const { data, type } = event;
  if (data === undefined) {
    const binary = event.data_base64 !== undefined ? ' (data_base64 carries binary data, which is not mapped)' : '';
    throw new ValidationError(`CloudEvent type ${type} needs data, a JSON object${binary}`, 'data');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ValidationError(`CloudEvent type ${type} needs data as a JSON object`, 'data');
  return data as Record<string, unknown>;
}

/** Ids of mapped events become the canonical `metadata.source.eventId`: printable ASCII, at most 256 characters. */
const CARRIED_ID = /^[\x21-\x7E]{1,256}$/;

function carriedId(event: CloudEvent): void {
  if (!CARRIED_ID.test(event.id)) {
    throw new ValidationError(`CloudEvent type ${event.type} is mapped, and the ids of mapped events must be printable ASCII of at most 256 characters`, 'id');
  }
}

/**
 * Pure mapping, except SAP sales orders: their thin events are handed to the read-back queue when completed
 * (inside the idempotent step, so a vendor retry queues nothing twice).
 */
export function mapCloudEvent(decoded: DecodedEvent<CloudEvent>, receivedAt: string, readBack: SapReadBackQueue): MapResult | DeferredMapResult {
  const { event } = decoded;
  const { type } = event;
  const generic = GENERIC_TYPE.exec(type)?.[1];
  if (generic || type === SAP_OUTBOUND_DELIVERY_CREATED || (SAP_SALES_ORDER_TYPES as readonly string[]).includes(type)) carriedId(event);
  if ((SAP_SALES_ORDER_TYPES as readonly string[]).includes(type)) {
    const salesOrder = decodeSapSalesOrder(objectData(event));
    return {
      kind: 'deferred',
      async complete() {
        await readBack.enqueue(readBackRequest(salesOrder.SalesOrder, { id: event.id, source: event.source, type, ...(event.time ? { time: event.time } : {}) }, receivedAt));
        return { kind: 'queued', reason: `sales order ${salesOrder.SalesOrder} is read back from API_SALES_ORDER_SRV; order.released follows when it is released for fulfilment` };
      },
    };
  }
  if (type === SAP_OUTBOUND_DELIVERY_CREATED) {
    const mapped = mapSapOutboundDelivery(decodeSapOutboundDelivery(objectData(event)));
    if (!mapped) return { kind: 'ignored', reason: 'thin SAP outbound delivery event: enrich it with the delivery fields (docs/webhooks.md)' };
    return toResult(decoded, receivedAt, 'sap-s4hana', 'shipment.created', mapped);
  }
  const data = generic ? objectData(event) : undefined;
  switch (generic) {
    case 'order.released':
      return toResult(decoded, receivedAt, 'generic-erp', 'order.released', mapErpOrder(validateOrThrow(validateErpOrder, data, 'invalid ERP order', 'data')));
    case 'invoice.posted':
      return toResult(decoded, receivedAt, 'generic-erp', 'invoice.posted', mapErpInvoice(validateOrThrow(validateErpInvoice, data, 'invalid ERP invoice', 'data')));
    case 'quality-hold.released': {
      // A hold is released once: the release is a fact the ERP sweep can read too (GET /quality-holds/{id}), so both take its id from it.
      const hold = validateOrThrow(validateErpQualityHold, data, 'invalid ERP quality hold', 'data');
      return toResult(decoded, receivedAt, 'generic-erp', 'quality-hold.released', mapErpQualityHold(hold), holdReleasedFact(hold.holdId));
    }
    default:
      return { kind: 'ignored', reason: `CloudEvent type ${type} is not mapped` };
  }
}

/** The fact a quality-hold release reports (canonical-event.ts `factKey`): this hold of the generic ERP was released. */
export function holdReleasedFact(holdId: string): string {
  return factKey('generic-erp-quality-hold', holdId, 'released');
}

/** The CloudEvents dialect; `readBack` takes SAP's thin sales-order events (the SQS read-back queue in Lambda). */
export function cloudEventsDialect(readBack: SapReadBackQueue): Dialect<CloudEvent> {
  return {
    ...dialectIdentity(VENDOR_DIALECTS.cloudevents),
    verify: verifyLsyncRequest,
    decode: decodeCloudEvent,
    map: (decoded, receivedAt) => mapCloudEvent(decoded, receivedAt, readBack),
  };
}
