import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import { loadCanonicalSchemas, toDraft4, type JsonObject, type JsonSchema, type JsonValue } from '../../schemas/catalog';
import { DRAFT_04_URI, convertToDraft4, draft04Keywords } from '../../schemas/tooling/draft4';
import { isJsonObject } from '../../schemas/tooling/json';
import { loadExamples, negativeCases } from './support';

/**
 * The draft-04 meta-schema, verbatim from json-schema.org (http://json-schema.org/draft-04/schema), adapted only
 * so that Ajv's draft-07 engine can run it: `id`/`$schema` removed and the one draft-04-style
 * `exclusiveMinimum: true` (on `multipleOf`) written the draft-06+ way. Ajv 8 ships no draft-04 support.
 */
function draft04MetaSchemaValidator() {
  const meta = JSON.parse(readFileSync(new URL('./fixtures/json-schema-draft-04.json', import.meta.url), 'utf8')) as JsonObject;
  delete meta.id;
  delete meta.$schema;
  const properties = meta.properties as JsonObject;
  properties.multipleOf = { type: 'number', exclusiveMinimum: 0 };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(meta);
}

/** Keywords whose value is a subschema, a list of subschemas or a map of them, in draft-04. */
const SINGLE = ['items', 'additionalItems', 'additionalProperties', 'not'];
const LIST = ['allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', 'definitions'];

/**
 * Everything that makes a document not plain draft-04: a keyword draft-04 does not define (such as `const` or
 * `$defs`, which a draft-04 consumer would silently ignore), a `$ref` that is not a resolvable
 * `#/definitions/…` pointer, keywords next to a `$ref` (ignored in draft-04), an empty `required`.
 */
function draft04Problems(doc: JsonSchema): string[] {
  const problems: string[] = [];
  const definitions = isJsonObject(doc.definitions) ? doc.definitions : {};
  const visit = (node: JsonValue, at: string, allowBoolean: boolean) => {
    if (typeof node === 'boolean' && allowBoolean) return;
    if (!isJsonObject(node)) {
      problems.push(`${at}: not a schema object`);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const here = `${at}/${key}`;
      if (!draft04Keywords.has(key)) problems.push(`${here}: not a draft-04 keyword`);
      if (key === '$schema' && at !== '#') problems.push(`${here}: $schema below the root`);
      if (key === 'required' && (!Array.isArray(value) || value.length === 0)) problems.push(`${here}: must be a non-empty array`);
      if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value !== 'boolean') problems.push(`${here}: must be a boolean in draft-04`);
      if (SINGLE.includes(key)) visit(value, here, key.startsWith('additional'));
      if (LIST.includes(key)) (Array.isArray(value) ? value : []).forEach((v, i) => visit(v, `${here}/${i}`, false));
      if (MAP.includes(key) && isJsonObject(value)) for (const [name, sub] of Object.entries(value)) visit(sub, `${here}/${name}`, false);
    }
    if (typeof node.$ref === 'string') {
      const target = /^#\/definitions\/([^/]+)$/.exec(node.$ref)?.[1];
      if (node.$ref !== '#' && (target === undefined || !(target in definitions))) problems.push(`${at}: $ref ${node.$ref} does not resolve inside the document`);
      if (Object.keys(node).length > 1) problems.push(`${at}: keywords next to $ref are ignored in draft-04`);
    }
  };
  visit(doc, '#', false);
  return problems;
}

/** Compiles a draft-04 document with Ajv's draft-07 engine: for the subset toDraft4 emits, the semantics are the same. */
function compileDraft4(doc: JsonSchema) {
  const { $schema, ...rest } = doc;
  expect($schema).toBe(DRAFT_04_URI);
  const ajv = new Ajv({ strict: true });
  addFormats(ajv);
  return ajv.compile(rest);
}

describe('toDraft4 on every canonical schema (what the EventBridge schema registry receives)', () => {
  const metaValidate = draft04MetaSchemaValidator();
  const examples = loadExamples();
  const negatives = negativeCases();

  describe.each(loadCanonicalSchemas().map((entry) => [`${entry.eventType} v${entry.version}`, entry] as const))('%s', (_name, entry) => {
    const doc = toDraft4(entry.schema);

    test('is a valid draft-04 document (meta-schema)', () => {
      const valid = metaValidate(doc);
      expect(metaValidate.errors ?? [], JSON.stringify(metaValidate.errors)).toEqual([]);
      expect(valid).toBe(true);
    });

    test('uses draft-04 keywords only, with every $ref local and resolvable', () => {
      expect(draft04Problems(doc)).toEqual([]);
      expect(JSON.stringify(doc)).not.toContain('logistics-sync.dev/schemas');
    });

    test('accepts the examples and rejects the invalid variants, like the 2020-12 original', () => {
      const validate = compileDraft4(doc);
      const own = examples.filter((e) => e.eventType === entry.eventType && e.schemaVersion === entry.version);
      expect(own.length).toBeGreaterThan(0);
      for (const example of own) expect(validate(example.detail()), `${example.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      for (const negative of negatives.filter((n) => n.eventType === entry.eventType)) {
        expect(validate(negative.detail), negative.title).toBe(false);
      }
    });

    test('fits in one registry entry (CreateSchema content is at most 100,000 characters)', () => {
      expect(JSON.stringify(doc).length).toBeLessThan(100_000);
    });
  });
});

describe('convertToDraft4', () => {
  test('const becomes a single-value enum and $defs become definitions, with refs rewritten', () => {
    const converted = convertToDraft4({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.test/a.json',
      type: 'object',
      properties: { kind: { const: 'delay' }, at: { $ref: '#/$defs/Timestamp' } },
      $defs: { Timestamp: { type: 'string', format: 'date-time' } },
    });
    expect(converted).toEqual({
      $schema: DRAFT_04_URI,
      type: 'object',
      properties: { kind: { enum: ['delay'] }, at: { $ref: '#/definitions/Timestamp' } },
      definitions: { Timestamp: { type: 'string', format: 'date-time' } },
    });
  });

  test('keywords next to $ref are kept by moving the $ref into allOf', () => {
    expect(convertToDraft4({ properties: { a: { $ref: '#/$defs/X', description: 'why', maxLength: 3 } }, $defs: { X: { type: 'string' } } })).toEqual({
      $schema: DRAFT_04_URI,
      properties: { a: { description: 'why', maxLength: 3, allOf: [{ $ref: '#/definitions/X' }] } },
      definitions: { X: { type: 'string' } },
    });
  });

  test('numeric exclusive bounds become draft-04 boolean flags', () => {
    expect(convertToDraft4({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 })).toEqual({
      $schema: DRAFT_04_URI,
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 10,
      exclusiveMaximum: true,
    });
  });

  test('boolean subschemas and empty required lists are rewritten', () => {
    expect(convertToDraft4({ properties: { never: false, any: true }, required: [], additionalProperties: false })).toEqual({
      $schema: DRAFT_04_URI,
      properties: { never: { not: {} }, any: {} },
      additionalProperties: false,
    });
  });

  test.each(['if', 'prefixItems', 'unevaluatedProperties', '$anchor', 'propertyNames', 'contains'])('refuses %s rather than dropping a constraint', (keyword) => {
    expect(() => convertToDraft4({ type: 'object', [keyword]: {} })).toThrow(`keyword "${keyword}"`);
  });

  test('refuses an external $ref (the schema must be bundled first)', () => {
    expect(() => convertToDraft4({ properties: { a: { $ref: 'common.schema.json#/$defs/Identifier' } } })).toThrow(/not local/);
  });

  test('the draft-04 checks used above do catch 2020-12 leftovers (they can fail)', () => {
    const leftover = { $schema: DRAFT_04_URI, properties: { a: { const: 1 }, b: { $ref: '#/$defs/X', description: 'd' } }, $defs: { X: {} }, required: [] };
    expect(draft04Problems(leftover)).toEqual([
      '#/properties/a/const: not a draft-04 keyword',
      '#/properties/b: $ref #/$defs/X does not resolve inside the document',
      '#/properties/b: keywords next to $ref are ignored in draft-04',
      '#/$defs: not a draft-04 keyword',
      '#/required: must be a non-empty array',
    ]);
    expect(draft04MetaSchemaValidator()({ type: 'object', required: [], exclusiveMinimum: 1, minimum: 0 })).toBe(false);
  });
});
