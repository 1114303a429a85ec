import { isUtf8 } from 'node:buffer';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildCanonicalEvent } from '../../../lambdas/shared/canonical-event';
import { errorField, type SchemaError } from '../../../lambdas/shared/webhook/validation';
import { createCanonicalAjv } from '../../../schemas/tooling/ajv';
import { loadVendorSchemas } from '../../../tools/gen-vendor-validators';
import { repeatedMemberFields } from './json-tree';
import type { SystemName } from '../../../registry/systems';
import { testSecret } from '../support';
import { CANONICAL_TYPES, MAX_BODY_BYTES, type RouteSpec } from './routes';
import { NOW, NOW_SECONDS } from '../support';

/**
 * The oracle of the hostile-input properties: what a request to a route must be answered with, decided
 * independently of the product (Ajv compiled at test time from schemas/vendors with all errors, not the generated
 * validators), following the documented order of checks (docs/webhooks.md).
 */

// --- The oracle ----------------------------------------------------------------------------------------------

/**
 * What a request must be answered with, decided without the product's validators: the documented order of
 * checks (docs/webhooks.md) over the request as sent.
 */
export type Verdict =
  | { readonly status: 401 | 413 | 415; readonly why: string }
  /** Refused: 400 naming one of `fields` (every field that fails; the product names the first it meets). */
  | { readonly status: 400; readonly fields: ReadonlySet<string>; readonly why: string }
  /**
   * Valid for the dialect's schema and rules: 202 (accepted, ignored or queued). `refusable` lists the refusals the
   * mapping documents whose condition holds in this body (field → rule): a 400 naming one of them is also right.
   */
  | { readonly status: 'valid'; readonly value: unknown; readonly refusable: ReadonlyMap<string, string> };

const ajv = new Ajv2020({ allErrors: true, strict: true, unicode: false, allowUnionTypes: true, logger: false });
addFormats(ajv);
for (const schema of loadVendorSchemas().values()) ajv.addSchema(structuredClone(schema));

function vendorSchema(stem: string): ValidateFunction {
  const validate = ajv.getSchema(`https://logistics-sync.dev/schemas/vendors/${stem}.schema.json`);
  if (!validate) throw new Error(`no vendor schema ${stem}`);
  return validate;
}

/** Every field the errors of a validation name, as the intake names fields (`data.route.stops[0].id`). */
function failingFields(errors: readonly ErrorObject[] | null | undefined, prefix = ''): string[] {
  return (errors ?? []).map((e) => errorField(e as SchemaError, prefix));
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting depth of a parsed value (an object or array is one level) and whether a forbidden key appears. */
export function shape(value: unknown): { depth: number; forbidden: boolean } {
  let depth = 0;
  let forbidden = false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    depth = Math.max(depth, d);
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(key)) forbidden = true;
      stack.push([(v as Record<string, unknown>)[key], d + 1]);
    }
  }
  return { depth, forbidden };
}

/** Media type and whether any charset other than UTF-8 is declared (RFC 9110: type and parameter names are case-insensitive). */
function contentTypeAccepted(header: string | undefined, accepted: readonly string[]): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='));
  if (charset !== undefined && !['charset=utf-8', 'charset="utf-8"'].includes(charset)) return false;
  return accepted.includes(type);
}

const GENERIC_ERP_TYPE = /^(?!sap\.)[A-Za-z0-9][A-Za-z0-9.-]*\.(order\.released|invoice\.posted|quality-hold\.released)\.v1$/;
const SAP_SALES_ORDER = /^sap\.s4\.beh\.salesorder\.v1\.SalesOrder\.(Created|Changed)\.v1$/;
const SAP_DELIVERY = 'sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1';
const DATA_SCHEMA: Readonly<Record<string, string>> = { 'order.released': 'generic-erp-order', 'invoice.posted': 'generic-erp-invoice', 'quality-hold.released': 'generic-erp-quality-hold' };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const canonicalAjv = createCanonicalAjv({ allErrors: true, logger: false });

/** The canonical route: refs and data against the canonical schema of eventType (docs/webhooks.md), on the event as built. */
function canonicalFailures(system: SystemName, submission: Record<string, unknown>): string[] {
  const s = submission as { eventId: string; eventType: string; schemaVersion?: string; occurredAt: string; correlationId?: string; causationId?: string; sequence?: number; refs: object; data: object };
  const validate = canonicalAjv.getSchema(`https://logistics-sync.dev/schemas/canonical/events/${s.eventType}.v${s.schemaVersion ?? '1'}.schema.json`);
  if (!validate) return ['schemaVersion'];
  // A submission without a version is at version 1 (docs/webhooks.md), whatever version the stack's own producers write.
  const event = buildCanonicalEvent({ ...s, schemaVersion: s.schemaVersion ?? '1', system, vendor: 'canonical', vendorEventId: s.eventId, receivedAt: NOW.toISOString() });
  return validate(event) ? [] : failingFields(validate.errors);
}

/** The dialect's own rules after JSON: its vendor schema, then what docs/webhooks.md documents per route. */
function dialectFailures(route: RouteSpec, value: unknown): string[] {
  const { entry } = route;
  if (entry.route === 'cloudevents') {
    // JSON format §3.1: data and data_base64 are exclusive; checked before the schema (400 naming data_base64).
    if (isObject(value) && 'data' in value && 'data_base64' in value) return ['data_base64'];
  }
  const validate = vendorSchema(entry.schema);
  if (!validate(value)) return failingFields(validate.errors);
  if (entry.route === 'canonical') {
    const type = (value as { eventType: string }).eventType;
    if (!CANONICAL_TYPES[entry.system].includes(type)) return ['eventType'];
    return canonicalFailures(entry.system, value as Record<string, unknown>);
  }
  if (entry.route === 'cloudevents') {
    const event = value as { id: string; type: string; data?: unknown };
    const generic = GENERIC_ERP_TYPE.exec(event.type)?.[1];
    const sap = SAP_SALES_ORDER.test(event.type) ? 'sap-s4hana-salesorder' : event.type === SAP_DELIVERY ? 'sap-s4hana-outbounddelivery' : undefined;
    if (!generic && !sap) return [];
    // A mapped type: its id becomes metadata.source.eventId (printable ASCII, ≤ 256), its data an object of the resource's schema.
    if (!/^[\x21-\x7E]{1,256}$/.test(event.id)) return ['id'];
    if (!isObject(event.data)) return ['data'];
    const data = vendorSchema(sap ?? DATA_SCHEMA[generic!]);
    if (!data(event.data)) return failingFields(data.errors, 'data');
  }
  return [];
}

// --- Refusals the mappings document for bodies their schema accepts --------------------------------------------

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const FLEET_ID_KEYS = { 'logisticsSync.stop': 3, 'logisticsSync.shipment': 2 } as const;

/** Every `externalIds` map anywhere in a value. */
function externalIdMaps(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const item of value) externalIdMaps(item, out);
  else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'externalIds' && isObject(item)) out.push(item);
      externalIdMaps(item, out);
    }
  }
  return out;
}

/**
 * Samsara (docs/webhooks.md): one of our external ids that does not split into an order and a shipment id is
 * refused, naming refs.shipmentId (refs.orderId when the order part is what is wrong); a departure or arrival
 * where no stop has the actual time is refused naming data.route.stops; a reefer temperature alert that names no
 * trailer is refused naming the condition's trailer.
 */
function samsaraRefusals(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const event = value as { eventType: string; data: { route?: { stops?: { id?: string; actualArrivalTime?: string; actualDepartureTime?: string }[] }; routeStopDetails?: { id?: string } } };
  for (const ids of externalIdMaps(event.data)) {
    for (const [key, parts] of Object.entries(FLEET_ID_KEYS)) {
      const v = ids[key];
      if (typeof v !== 'string' || v === '') continue;
      const split = v.split('~');
      if (split.length !== parts || !IDENTIFIER.test(split[1] ?? '')) out.set('refs.shipmentId', `${key} "${v}" does not name a shipment`);
      else if (!IDENTIFIER.test(split[0])) out.set('refs.orderId', `${key} "${v}" does not name an order`);
    }
  }
  const time = { RouteStopArrival: 'actualArrivalTime', RouteStopDeparture: 'actualDepartureTime' }[event.eventType] as 'actualArrivalTime' | 'actualDepartureTime' | undefined;
  const stops = event.data.route?.stops ?? [];
  const named = stops.some((s) => s.id !== undefined && s.id === event.data.routeStopDetails?.id);
  if (time && !named && !stops.some((s) => s[time] !== undefined)) out.set('data.route.stops', `no stop has ${time}`);
  if (event.eventType === 'AlertIncident') {
    // The first temperature condition decides; a reefer one must name the trailer whose reefer is read.
    const conditions = (event.data as { conditions?: { details?: { ambientTemperature?: { sensor?: { id?: string } }; reeferTemperature?: { trailer?: { id?: string }; vehicle?: { id?: string } } } }[] }).conditions ?? [];
    const index = conditions.findIndex((c) => c.details?.ambientTemperature?.sensor?.id || c.details?.reeferTemperature?.trailer?.id || c.details?.reeferTemperature?.vehicle?.id);
    const first = conditions[index]?.details;
    if (first && !first.ambientTemperature?.sensor?.id && !first.reeferTemperature?.trailer?.id) {
      out.set(`data.conditions[${index}].details.reeferTemperature.trailer`, 'a reefer alert without its trailer');
    }
  }
  return out;
}

/**
 * Units the generic ERP's orders may use (docs/webhooks.md): handling units (EA/PC → EA, CS/CT/BX → CS, PAL → PAL, and
 * their synonyms) and units of mass, volume and length (KG → KGM, L → LTR, …, and the UN/ECE codes themselves).
 */
const COUNTED_UNITS = new Set(['EA', 'PC', 'PCE', 'PCS', 'PIECE', 'ST', 'UN', 'H87', 'C62', 'CS', 'CA', 'CT', 'CAR', 'BX', 'BOX', 'KAR', 'PAL', 'PALLET', 'PL', 'PF', 'PX']);
const ERP_UNITS = new Set([
  ...COUNTED_UNITS,
  ...['KGM', 'KG', 'KGS', 'GRM', 'G', 'GR', 'TNE', 'TO', 'LBR', 'LB', 'LBS', 'ONZ', 'OZ'],
  ...['LTR', 'L', 'LT', 'MLT', 'ML', 'GLL', 'GAL', 'MTR', 'M', 'MTK', 'M2', 'MTQ', 'M3'],
]);

/** CloudEvents: an order line whose unit is neither a handling unit nor a measure is refused, naming the line's unit. */
function cloudEventRefusals(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const event = value as { type: string; data?: { lines?: { unit?: string; quantity?: number }[] } };
  if (GENERIC_ERP_TYPE.exec(event.type)?.[1] !== 'order.released') return out;
  (event.data?.lines ?? []).forEach((line, i) => {
    if (typeof line.unit === 'string' && !ERP_UNITS.has(line.unit.toUpperCase())) out.set(`data.lines[${i}].unit`, `unit "${line.unit}" is neither a handling unit nor a measure`);
    // A handling unit counts whole units, 1 to 1,000,000 (the contract's quantity also takes measures: fractions, up to 10⁹).
    const counted = typeof line.unit === 'string' && COUNTED_UNITS.has(line.unit.toUpperCase());
    if (counted && typeof line.quantity === 'number' && !(Number.isSafeInteger(line.quantity) && line.quantity >= 1 && line.quantity <= 1_000_000)) {
      out.set(`data.lines[${i}].quantity`, `quantity ${line.quantity} is not a whole number of handling units`);
    }
  });
  return out;
}

function refusals(route: RouteSpec, value: unknown): Map<string, string> {
  if (route.entry.route === 'samsara') return samsaraRefusals(value);
  if (route.entry.route === 'cloudevents') return cloudEventRefusals(value);
  return new Map();
}

export interface SentRequest {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** The signed timestamp, when the scheme signs one. */
  readonly at: number;
}

/** The verdict for a request, following the intake's documented order: 413 → 415 → 401 → 400 (body, then dialect). */
export function verdict(route: RouteSpec, request: SentRequest): Verdict {
  const { body, headers } = request;
  if (body.length > MAX_BODY_BYTES) return { status: 413, why: `${body.length} bytes` };
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (!contentTypeAccepted(contentType, route.entry.contentTypes)) return { status: 415, why: `content type ${String(contentType)}` };
  if (route.entry.signature.timestampHeader && Math.abs(request.at - NOW_SECONDS) > 300) return { status: 401, why: `timestamp ${request.at - NOW_SECONDS} s from now` };
  const refuse = (why: string, fields: readonly string[]): Verdict => ({ status: 400, fields: new Set(fields), why });
  if (body.length === 0) return refuse('empty body', ['body']);
  if (!isUtf8(body)) return refuse('not UTF-8', ['body']);
  const text = body.toString('utf8');
  if (text.startsWith('\ufeff')) return refuse('byte-order mark', ['body']);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('not JSON', ['body']);
  }
  const { depth, forbidden } = shape(value);
  if (depth > 32) return refuse(`nesting ${depth}`, ['body']);
  if (forbidden) return refuse('a prototype key', ['body']);
  const repeated = repeatedMemberFields(text);
  if (repeated.length > 0) return refuse('a repeated member name', repeated);
  // CloudEvents binary mode (application/json): the attributes come from ce-* headers, which these requests do not send.
  if (route.entry.route === 'cloudevents' && contentType!.split(';')[0].trim().toLowerCase() === 'application/json') return refuse('binary mode without ce-specversion', ['header:ce-specversion']);
  // Business Central: the credential is each notification's clientState (lambdas/erp/business-central/notifications.ts).
  if (route.entry.signature.scheme === 'bc-client-state') {
    const items = (value as { value?: unknown } | null)?.value;
    const secret = testSecret(route.entry.route);
    const objects = Array.isArray(items) ? items.filter((i): i is Record<string, unknown> => !!i && typeof i === 'object' && !Array.isArray(i)) : [];
    if (objects.some((i) => i.clientState !== secret)) return { status: 401, why: 'a notification without the clientState' };
  }
  const failures = dialectFailures(route, value);
  if (failures.length > 0) return refuse('dialect schema or rules', failures);
  return { status: 'valid', value, refusable: refusals(route, value) };
}

