/**
 * The canonical event catalog: which event types exist and where their JSON Schemas (2020-12) live.
 *
 * Used at synth time (schema registry entries), by tools/gen-types.ts and tools/publish-schemas.ts, and by
 * tests. It reads from disk, so Lambda handlers must not import it: they use the generated validators and
 * types in lambdas/shared/generated/ instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSchema } from './tooling/bundle';
import { convertToDraft4 } from './tooling/draft4';
import { deepFreeze, isJsonObject, type JsonSchema, type JsonValue } from './tooling/json';

export type { JsonObject, JsonSchema, JsonValue } from './tooling/json';

/**
 * Every canonical event type. Adding one: add it here, add `canonical/events/<type>.v1.schema.json` and an
 * example in `examples/`, then run `npm run gen:types` and `npx tsx tools/publish-schemas.ts`.
 */
export const canonicalEventTypes = [
  'order.released',
  'shipment.created',
  'shipment.dispatched',
  'shipment.departed',
  'shipment.arrived',
  'shipment.eta-updated',
  'shipment.delivered',
  'pod.captured',
  'shipment.exception-raised',
  'shipment.status-synced',
  'quality-hold.placed',
  'quality-hold.released',
  'case.opened',
  'case.updated',
  'case.resolved',
  'customer.notified',
  'invoice.ready',
  'invoice.posted',
  'sync.failed',
] as const;

export type CanonicalEventType = (typeof canonicalEventTypes)[number];

/** One versioned event schema. */
export interface CanonicalSchemaEntry {
  readonly eventType: CanonicalEventType;
  /** The schema's major version, as `metadata.schemaVersion` spells it ("1"). */
  readonly version: string;
  /** The 2020-12 schema as written (refs to the envelope and common definitions are not inlined). */
  readonly schema: JsonSchema;
  /** Absolute path of the schema file. */
  readonly file: string;
}

/** A schema the event schemas build on (the envelope, the common definitions). */
export interface SharedSchemaEntry {
  readonly id: string;
  readonly schema: JsonSchema;
  readonly file: string;
}

export interface SharedSchemas {
  /** The EventBridge `detail` envelope every event schema `$ref`s. */
  readonly envelope: SharedSchemaEntry;
  /** Building blocks (identifiers, timestamps, temperatures, locations, …). */
  readonly common: SharedSchemaEntry;
}

/** Directory holding envelope.schema.json, common.schema.json and events/. */
export const canonicalSchemaDir = fileURLToPath(new URL('./canonical/', import.meta.url));
/** Directory holding the example `detail` objects, `<type>.json` or `<type>.<variant>.json`. */
export const canonicalExampleDir = fileURLToPath(new URL('./examples/', import.meta.url));

export const SCHEMA_ID_BASE = 'https://logistics-sync.dev/schemas/canonical/';
const EVENT_FILE = /^(?<type>[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+)\.v(?<version>[1-9][0-9]*)\.schema\.json$/;

/** `order.released@1`: the key of one versioned schema (lock file, generated validator map). */
export function schemaKey(eventType: string, version: string): string {
  return `${eventType}@${version}`;
}

export function isCanonicalEventType(value: unknown): value is CanonicalEventType {
  return typeof value === 'string' && (canonicalEventTypes as readonly string[]).includes(value);
}

let sharedCache: SharedSchemas | undefined;
let eventCache: readonly CanonicalSchemaEntry[] | undefined;

/** The envelope and common definitions, read once and frozen. */
export function loadSharedSchemas(): SharedSchemas {
  sharedCache ??= {
    envelope: readShared('envelope.schema.json'),
    common: readShared('common.schema.json'),
  };
  return sharedCache;
}

/** The envelope schema (shorthand for `loadSharedSchemas().envelope`). */
export function loadEnvelopeSchema(): SharedSchemaEntry {
  return loadSharedSchemas().envelope;
}

/**
 * Every event schema on disk, in `canonicalEventTypes` order then by version, read once and frozen.
 * Throws when a file does not match the catalog (unknown type, file name / `$id` / `const` disagreeing,
 * a type without a schema), so a mistake fails synth and tests instead of registering a wrong schema.
 */
export function loadCanonicalSchemas(): readonly CanonicalSchemaEntry[] {
  eventCache ??= Object.freeze(readEventSchemas());
  return eventCache;
}

/** The schema for one (event type, version), or undefined. */
export function findCanonicalSchema(eventType: string, version: string): CanonicalSchemaEntry | undefined {
  return loadCanonicalSchemas().find((s) => s.eventType === eventType && s.version === version);
}

/** Documents an event schema may `$ref`, by `$id`. */
export function sharedDocuments(): ReadonlyMap<string, JsonSchema> {
  const { envelope, common } = loadSharedSchemas();
  return new Map([
    [envelope.id, envelope.schema],
    [common.id, common.schema],
  ]);
}

/**
 * A self-contained 2020-12 copy of `schema`: the envelope and common definitions it references are inlined
 * under `$defs` and every `$ref` is local. Input to type generation and the compatibility lock.
 */
export function bundleCanonicalSchema(schema: JsonSchema): JsonSchema {
  return bundleSchema(schema, sharedDocuments());
}

/**
 * A self-contained draft-04 document for an EventBridge schema registry `JSONSchemaDraft4` entry: envelope and
 * common definitions inlined, `$defs` → `definitions`, `const` → single-value `enum`, `$schema` draft-04.
 * Throws on a keyword draft-04 cannot express rather than dropping a constraint.
 */
export function toDraft4(schema: JsonSchema): JsonSchema {
  return convertToDraft4(bundleCanonicalSchema(schema));
}

function readJson(file: string): JsonSchema {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isJsonObject(parsed)) throw new Error(`${file}: a schema file must hold a JSON object`);
  return deepFreeze(parsed as JsonValue) as JsonSchema;
}

function readShared(name: string): SharedSchemaEntry {
  const file = join(canonicalSchemaDir, name);
  const schema = readJson(file);
  const id = `${SCHEMA_ID_BASE}${name}`;
  if (schema.$id !== id) throw new Error(`${file}: $id must be ${id}`);
  return Object.freeze({ id, schema, file });
}

function readEventSchemas(): CanonicalSchemaEntry[] {
  const dir = join(canonicalSchemaDir, 'events');
  const entries: CanonicalSchemaEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    const match = EVENT_FILE.exec(name);
    if (!match?.groups) throw new Error(`${file}: event schema files are named <event-type>.v<N>.schema.json`);
    const { type, version } = match.groups;
    if (!isCanonicalEventType(type)) throw new Error(`${file}: "${type}" is not listed in canonicalEventTypes (schemas/catalog.ts)`);
    const schema = readJson(file);
    const expectedId = `${SCHEMA_ID_BASE}events/${name}`;
    if (schema.$id !== expectedId) throw new Error(`${file}: $id must be ${expectedId}`);
    const metadata = property(schema, 'metadata');
    if (property(metadata, 'eventType')?.const !== type) throw new Error(`${file}: properties.metadata.properties.eventType.const must be "${type}"`);
    if (property(metadata, 'schemaVersion')?.const !== version) throw new Error(`${file}: properties.metadata.properties.schemaVersion.const must be "${version}"`);
    entries.push(Object.freeze({ eventType: type, version, schema, file }));
  }
  for (const type of canonicalEventTypes) {
    if (!entries.some((e) => e.eventType === type)) throw new Error(`${dir}: no schema for canonical event type "${type}"`);
  }
  const order = (e: CanonicalSchemaEntry) => canonicalEventTypes.indexOf(e.eventType);
  return entries.sort((a, b) => order(a) - order(b) || Number(a.version) - Number(b.version));
}

function property(schema: JsonSchema | undefined, name: string): JsonSchema | undefined {
  const props = schema?.properties;
  const value = isJsonObject(props) ? props[name] : undefined;
  return isJsonObject(value) ? value : undefined;
}
