import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { canonicalExampleDir, findCanonicalSchema, type CanonicalSchemaEntry, type JsonObject } from '../../schemas/catalog';
import { createCanonicalAjv } from '../../schemas/tooling/ajv';

export interface Example {
  /** File name in schemas/examples/. */
  readonly name: string;
  readonly eventType: string;
  readonly schemaVersion: string;
  /** A fresh copy: tests may change it. */
  readonly detail: () => JsonObject;
}

/** Every example in schemas/examples/, with the event type and version it declares. */
export function loadExamples(): Example[] {
  return readdirSync(canonicalExampleDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = readFileSync(join(canonicalExampleDir, name), 'utf8');
      const parsed = JSON.parse(text) as { metadata?: { eventType?: unknown; schemaVersion?: unknown } };
      return {
        name,
        eventType: String(parsed.metadata?.eventType),
        schemaVersion: String(parsed.metadata?.schemaVersion),
        detail: () => JSON.parse(text) as JsonObject,
      };
    });
}

export function exampleNamed(name: string): JsonObject {
  const example = loadExamples().find((e) => e.name === name);
  if (!example) throw new Error(`no example ${name}`);
  return example.detail();
}

let ajv: ReturnType<typeof createCanonicalAjv> | undefined;

/**
 * The validator Ajv compiles at test time straight from the schema files (no bundling, no generated code):
 * the reference the generated validators and the draft-04 conversion are compared with.
 */
export function referenceValidator(entry: Pick<CanonicalSchemaEntry, 'schema'>): ValidateFunction {
  ajv ??= createCanonicalAjv();
  const validate = ajv.getSchema(String(entry.schema.$id));
  if (!validate) throw new Error(`no schema ${String(entry.schema.$id)}`);
  return validate;
}

export function schemaFor(eventType: string, version = '1'): CanonicalSchemaEntry {
  const entry = findCanonicalSchema(eventType, version);
  if (!entry) throw new Error(`no schema for ${eventType} v${version}`);
  return entry;
}

/** Sets a value at a path of plain keys (creating nothing): `set(detail, ['refs', 'orderId'], undefined)` deletes. */
export function setPath(target: JsonObject, path: readonly string[], value: unknown): JsonObject {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) throw new Error(`no ${path.join('.')} in the example`);
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return target;
}

/**
 * Invalid variants of valid examples, each with the reason it must be rejected. Used against the reference
 * validator, the generated validators and the draft-04 conversion alike.
 */
export interface NegativeCase {
  readonly title: string;
  readonly eventType: string;
  readonly detail: JsonObject;
  /** A JSON pointer the rejection must mention. */
  readonly mentions: string;
  /**
   * What validateCanonicalEvent must mention when it differs: it picks the schema by eventType, so an event
   * claiming another type is judged (and rejected) as that type.
   */
  readonly mentionsAtRuntime?: string;
}

export function negativeCases(): NegativeCase[] {
  const order = () => exampleNamed('order.released.json');
  const excursion = () => exampleNamed('shipment.exception-raised.json');
  return [
    { title: 'a required ref is missing (order.released without refs.orderId)', eventType: 'order.released', detail: setPath(order(), ['refs', 'orderId'], undefined), mentions: '/refs/orderId' },
    { title: 'metadata.eventType is another type than the schema', eventType: 'order.released', detail: setPath(order(), ['metadata', 'eventType'], 'shipment.created'), mentions: '/metadata/eventType', mentionsAtRuntime: '/refs/shipmentId' },
    { title: 'occurredAt is not an RFC 3339 date-time (no offset)', eventType: 'order.released', detail: setPath(order(), ['metadata', 'occurredAt'], '2026-03-12T07:00:00'), mentions: '/metadata/occurredAt' },
    { title: 'receivedAt is a date that does not exist', eventType: 'order.released', detail: setPath(order(), ['metadata', 'receivedAt'], '2026-02-30T06:00:00Z'), mentions: '/metadata/receivedAt' },
    { title: 'an exception of an unknown kind', eventType: 'shipment.exception-raised', detail: setPath(excursion(), ['data', 'kind'], 'theft'), mentions: '/data' },
    { title: 'a temperature excursion without its reading', eventType: 'shipment.exception-raised', detail: setPath(excursion(), ['data', 'readingCelsius'], undefined), mentions: '/data' },
    { title: 'a ref the envelope does not know', eventType: 'order.released', detail: setPath(order(), ['refs', 'poNumber'], 'PO-1'), mentions: '/refs/poNumber' },
    { title: 'an eventId that is not a SHA-256 hex digest', eventType: 'order.released', detail: setPath(order(), ['metadata', 'eventId'], 'evt-1'), mentions: '/metadata/eventId' },
    { title: 'an id longer than 128 characters', eventType: 'order.released', detail: setPath(order(), ['refs', 'customerId'], `C-${'7'.repeat(200)}`), mentions: '/refs/customerId' },
    { title: 'a field data does not define', eventType: 'order.released', detail: setPath(order(), ['data', 'vendorBlob'], { raw: true }), mentions: '/data/vendorBlob' },
    { title: 'a temperature outside any plausible range', eventType: 'shipment.exception-raised', detail: setPath(excursion(), ['data', 'readingCelsius'], 1150), mentions: '/data' },
    { title: 'an order without lines', eventType: 'order.released', detail: setPath(order(), ['data', 'lines'], []), mentions: '/data/lines' },
    { title: 'an unknown source system', eventType: 'order.released', detail: setPath(order(), ['metadata', 'source', 'system'], 'wms'), mentions: '/metadata/source/system' },
  ];
}

/** The JSON pointers Ajv errors point at, with the property for `required` and `additionalProperties`. */
export function pointersOf(errors: readonly { instancePath: string; params: object }[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const params = error.params as { missingProperty?: string; additionalProperty?: string };
    const property = params.missingProperty ?? params.additionalProperty;
    return property === undefined ? error.instancePath : `${error.instancePath}/${property}`;
  });
}
