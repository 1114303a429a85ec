import { escapePointer } from './bundle';
import { isJsonObject, type JsonObject, type JsonSchema, type JsonValue } from './json';

export const DRAFT_04_URI = 'http://json-schema.org/draft-04/schema#';

/** Every keyword draft-04 (core + validation) defines. Anything else in the output would be ignored by a draft-04 consumer. */
export const draft04Keywords: ReadonlySet<string> = new Set([
  'id', '$schema', '$ref', 'title', 'description', 'default', 'format',
  'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern',
  'additionalItems', 'items', 'maxItems', 'minItems', 'uniqueItems',
  'maxProperties', 'minProperties', 'required', 'additionalProperties', 'definitions', 'properties', 'patternProperties', 'dependencies',
  'enum', 'type', 'allOf', 'anyOf', 'oneOf', 'not',
]);

/** Annotations newer drafts added; they carry no validation, so they are dropped. */
const droppedAnnotations = new Set(['$comment', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'contentMediaType', 'contentEncoding', 'contentSchema']);

/**
 * Converts a bundled (self-contained, see `bundleSchema`) 2020-12 schema to draft-04:
 * `$defs` → `definitions` (refs rewritten), `const` → single-value `enum`, numeric `exclusiveMinimum`/`exclusiveMaximum`
 * → `minimum`/`maximum` + boolean flag, `$ref` with sibling keywords → `allOf` (draft-04 ignores siblings of `$ref`),
 * `dependentRequired`/`dependentSchemas` → `dependencies`, boolean subschemas → `{}` / `{ "not": {} }`, empty `required`
 * dropped, `$id` and newer annotations dropped.
 * Keywords without a draft-04 equivalent (`if`, `prefixItems`, `unevaluatedProperties`, …) throw instead of
 * being silently lost.
 */
export function convertToDraft4(bundled: JsonSchema): JsonSchema {
  const converted = convertNode(bundled, '#', true);
  if (!isJsonObject(converted)) throw new Error('toDraft4: the root schema must be an object');
  // $schema first, for whoever reads the registry entry.
  const { $schema: _drop, ...rest } = converted;
  return { $schema: DRAFT_04_URI, ...rest };
}

function convertNode(node: JsonValue, at: string, isRoot = false, allowBoolean = false): JsonValue {
  if (typeof node === 'boolean') {
    if (allowBoolean) return node;
    return node ? {} : { not: {} };
  }
  if (!isJsonObject(node)) throw new Error(`toDraft4: expected a schema at ${at}`);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    const here = `${at}/${escapePointer(key)}`;
    switch (key) {
      case '$schema':
      case '$id':
        if (!isRoot) throw new Error(`toDraft4: ${key} at ${here} (bundle the schema first)`);
        break;
      case '$ref':
        out.$ref = convertRef(value, here);
        break;
      case '$defs':
      case 'definitions':
        out.definitions = convertMap(value, here);
        break;
      case 'properties':
      case 'patternProperties':
        out[key] = convertMap(value, here);
        break;
      case 'items':
        if (Array.isArray(value)) throw new Error(`toDraft4: array-form items at ${here}`);
        out.items = convertNode(value, here);
        break;
      case 'additionalProperties':
      case 'additionalItems':
        out[key] = convertNode(value, here, false, true);
        break;
      case 'not':
        out.not = convertNode(value, here);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        if (!Array.isArray(value) || value.length === 0) throw new Error(`toDraft4: ${key} at ${here} must be a non-empty array`);
        out[key] = value.map((v, i) => convertNode(v, `${here}/${i}`));
        break;
      case 'const':
        if ('enum' in node) throw new Error(`toDraft4: both const and enum at ${at}`);
        out.enum = [value];
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum': {
        if (typeof value === 'boolean') throw new Error(`toDraft4: boolean ${key} at ${here} is draft-04 syntax in a 2020-12 schema`);
        const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
        if (bound in node) throw new Error(`toDraft4: both ${key} and ${bound} at ${at}`);
        out[bound] = value;
        out[key] = true;
        break;
      }
      case 'required':
        if (Array.isArray(value) && value.length > 0) out.required = value;
        break;
      case 'dependentRequired':
      case 'dependentSchemas':
        // Both became draft-04 `dependencies` (a list of names or a schema per property).
        out.dependencies = {
          ...(isJsonObject(out.dependencies) ? out.dependencies : {}),
          ...(key === 'dependentSchemas' ? convertMap(value, here) : expectObject(value, here)),
        };
        break;
      case 'id':
      case 'dependencies':
        throw new Error(`toDraft4: "${key}" at ${here} is not a 2020-12 keyword`);
      default:
        if (droppedAnnotations.has(key)) break;
        if (!draft04Keywords.has(key)) throw new Error(`toDraft4: keyword "${key}" at ${here} has no draft-04 equivalent`);
        out[key] = value;
    }
  }
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    // draft-04 ignores every keyword next to $ref; keep them by moving the ref into allOf.
    const { $ref, allOf, ...siblings } = out;
    return { ...siblings, allOf: [{ $ref }, ...(Array.isArray(allOf) ? allOf : [])] };
  }
  return out;
}

function convertMap(value: JsonValue, at: string): JsonObject {
  return Object.fromEntries(Object.entries(expectObject(value, at)).map(([k, v]) => [k, convertNode(v, `${at}/${escapePointer(k)}`)]));
}

function expectObject(value: JsonValue, at: string): JsonObject {
  if (!isJsonObject(value)) throw new Error(`toDraft4: expected an object at ${at}`);
  return value;
}

function convertRef(value: JsonValue, at: string): string {
  if (typeof value !== 'string') throw new Error(`toDraft4: $ref at ${at} must be a string`);
  if (value === '#') return value;
  const match = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(value);
  if (!match) throw new Error(`toDraft4: $ref "${value}" at ${at} is not local (bundle the schema first)`);
  return `#/definitions/${match[1]}`;
}
