import Ajv2020, { type Options } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { bundleSchema, mapSubschemas } from './bundle';
import { isJsonObject, type JsonSchema, type JsonValue } from './json';
import { loadCanonicalSchemas, loadSharedSchemas, schemaKey, sharedDocuments } from '../catalog';

/**
 * The Ajv options every canonical validator is built with, at generation time (standalone code) and in tests.
 * Keep them in one place so both behave the same.
 */
export const canonicalAjvOptions = {
  // Stop at the first problem: smaller generated code, and Ajv's advice for untrusted input (no error amplification).
  allErrors: false,
  // Unknown keywords, formats and ambiguous types are schema bugs: fail when compiling, not when validating.
  strict: true,
  // maxLength counts UTF-16 code units: no runtime helper to import, and a tighter bound on bytes.
  unicode: false,
  // Shared definitions (envelope, identifiers, locations) become one function each, not a copy per use.
  inlineRefs: false,
  // `unicode` is deprecated in Ajv 8 but still honoured; keep that one notice out of the output, pass the rest on.
  logger: {
    log: (...args: unknown[]) => console.log(...args),
    warn: (...args: unknown[]) => {
      if (!String(args[0]).startsWith('DEPRECATED: option unicode')) console.warn(...args);
    },
    error: (...args: unknown[]) => console.error(...args),
  },
} as const satisfies Options;

/** An Ajv 2020-12 instance holding the envelope, the common definitions and every event schema (by `$id`). */
export function createCanonicalAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...canonicalAjvOptions, ...options });
  addFormats(ajv);
  const { envelope, common } = loadSharedSchemas();
  // Copies: the catalog's schema objects are frozen and shared with every other reader.
  ajv.addSchema(structuredClone(common.schema));
  ajv.addSchema(structuredClone(envelope.schema));
  for (const entry of loadCanonicalSchemas()) ajv.addSchema(structuredClone(entry.schema));
  return ajv;
}

/** `$id` of the single document the standalone validators are compiled from. */
export const RUNTIME_BUNDLE_ID = 'https://logistics-sync.dev/schemas/canonical/runtime-bundle.schema.json';

const ANNOTATIONS = ['title', 'description', '$comment', 'examples'];

function stripAnnotations(node: JsonValue): JsonValue {
  if (!isJsonObject(node)) return node;
  const out = mapSubschemas(node, stripAnnotations);
  for (const key of ANNOTATIONS) delete out[key];
  return out;
}

/**
 * One self-contained document with the envelope and every event schema under `$defs` (by title), and the
 * pointer of each (keyed by `<eventType>@<version>`).
 * Compiling from a single document lets Ajv compile each shared definition once; with one document per event,
 * every event would carry its own copy of the envelope and the common definitions. Annotations are dropped:
 * they do not validate anything and would only be embedded in the generated code.
 */
export function runtimeBundle(): { schema: JsonSchema; pointers: { envelope: string; events: Map<string, string> } } {
  const { envelope } = loadSharedSchemas();
  const events = loadCanonicalSchemas();
  const documents = new Map(sharedDocuments());
  for (const entry of events) documents.set(entry.schema.$id as string, entry.schema);
  const root: JsonSchema = {
    $id: RUNTIME_BUNDLE_ID,
    // Only here so that bundling hoists the envelope and every event under $defs (by title).
    anyOf: [{ $ref: envelope.id }, ...events.map((e) => ({ $ref: e.schema.$id as string }))],
  };
  const bundled = stripAnnotations(bundleSchema(root, documents)) as JsonSchema;
  const pointer = (schema: JsonSchema) => {
    if (typeof schema.title !== 'string') throw new Error(`${String(schema.$id)} needs a title`);
    return `${RUNTIME_BUNDLE_ID}#/$defs/${schema.title}`;
  };
  return {
    schema: bundled,
    pointers: {
      envelope: pointer(envelope.schema),
      events: new Map(events.map((e) => [schemaKey(e.eventType, e.version), pointer(e.schema)])),
    },
  };
}
