import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import * as generatedVendorValidators from '../../lambdas/shared/webhook/generated/vendor-validators';
import type { SchemaValidator } from '../../lambdas/shared/webhook/validation';
import { canonicalAjvOptions } from '../../schemas/tooling/ajv';
import type { JsonSchema } from '../../schemas/tooling/json';
import { draft2020OnlyKeywords, inlineErrorParams, standaloneValidators } from '../../schemas/tooling/standalone';
import { VENDOR_SCHEMA_ID_BASE, loadVendorSchemas, vendorValidators } from '../../tools/gen-vendor-validators';
import * as payloads from '../inbound/fixtures/payloads';

const ID = 'https://logistics-sync.dev/schemas/test/standalone.schema.json';

/** Imports generated code (no formats used, so no import to resolve) and returns its exports. */
async function load(code: string): Promise<Record<string, SchemaValidator<unknown>>> {
  return (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as Record<string, SchemaValidator<unknown>>;
}

describe('standalone validator generation (draft-07 code generator for 2020-12 schemas)', () => {
  test('finds the keywords whose 2020-12 meaning the draft-07 generator would not apply, wherever they are', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { tags: { type: 'array', prefixItems: [{ type: 'string' }] }, pair: { type: 'array', items: [{ type: 'string' }] } },
      $defs: { Loose: { type: 'object', unevaluatedProperties: false } },
    };
    expect(draft2020OnlyKeywords(schema).sort()).toEqual(['/$defs/Loose/unevaluatedProperties', '/properties/pair/items', '/properties/tags/prefixItems']);
    expect(draft2020OnlyKeywords({ type: 'object', properties: { a: { type: 'array', items: { type: 'string' } } } })).toEqual([]);
  });

  test('refuses to generate from a schema that uses one of them, naming the keyword', () => {
    const schema: JsonSchema = { $id: ID, type: 'object', properties: { a: { type: 'object', unevaluatedProperties: false } } };
    expect(() => standaloneValidators({ schemas: [schema], exports: { v: ID }, label: 'test' })).toThrow(/uses \/properties\/a\/unevaluatedProperties/);
  });

  test('applies $ref together with its sibling keywords, as 2020-12 does, and reports errors without schemaPath', async () => {
    const schema: JsonSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: ID,
      type: 'object',
      properties: { code: { $ref: '#/$defs/Code', type: 'string', maxLength: 4 } },
      required: ['code'],
      additionalProperties: false,
      $defs: { Code: { type: 'string', pattern: '^[A-Z]+$' } },
    };
    const code = standaloneValidators({ schemas: [schema], exports: { v: ID }, label: 'test' });
    const { v } = await load(code);
    const reference = new Ajv2020({ ...canonicalAjvOptions }).compile(schema);
    for (const value of [{ code: 'ABCD' }, { code: 'ABCDE' }, { code: 'abc' }, { code: 7 }, {}, { code: 'AB', extra: 1 }]) {
      expect(v(value), JSON.stringify(value)).toBe(reference(value));
    }
    expect(v({ code: 'ABCDE' })).toBe(false);
    expect(v.errors).toEqual([{ instancePath: '/code', keyword: 'maxLength', params: { limit: 4 } }]);
  });

  test('keeps no schema object for error parameters or property-name tests, and answers exactly as Ajv does', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const schema: JsonSchema = {
      $id: ID,
      type: 'object',
      // More than eight properties: Ajv tests an extra property's name against the schema's `properties` object.
      properties: {
        ...Object.fromEntries(names.map((n) => [n, { type: 'string', maxLength: 3 }])),
        unit: { enum: ['kg', 'lb', 'piece', 'pallet', 'case'] },
        kind: { type: ['string', 'null'] },
      },
      additionalProperties: false,
    };
    const code = standaloneValidators({ schemas: [schema], exports: { v: ID }, label: 'test' });
    // No schema object written whole (Ajv writes each as JSON, `const schemaN = {"type":…}`), none read for a parameter.
    expect(code).not.toMatch(/^const schema\d+ = \{"/m);
    expect(code).toMatch(/^const schema\d+ = \{properties: \{"a":0,/m);
    expect(code).not.toMatch(/params:\{[A-Za-z]+: schema\d+/);
    const { v } = await load(code);
    const reference = new Ajv2020({ ...canonicalAjvOptions }).compile(schema);
    const cases: Record<string, unknown>[] = [{ a: 'x', unit: 'kg' }, { unit: 'ton' }, { kind: 7 }, { kind: null }, { a: 'x', z: 1 }, { toString: 'x' }, { constructor: 'x' }, { a: 'long' }];
    for (const value of cases) {
      const expected = reference(value);
      expect(v(value), JSON.stringify(value)).toBe(expected);
      // Ajv's own errors, but for schemaPath and message (left out of the generated code on purpose).
      if (!expected) expect(v.errors).toEqual(reference.errors!.map(({ schemaPath: _path, message: _message, ...rest }) => rest));
    }
  });

  test('a parameter path that does not resolve in its schema object fails generation instead of writing undefined', () => {
    const code = 'const schema3 = {"enum":["a"]};\nfunction validate1(){validate1.errors = [{keyword:"enum",params:{allowedValues: schema3.properties.x.enum}}];}';
    expect(() => inlineErrorParams(code, 'test')).toThrow(/schema3\.properties\.x\.enum does not resolve/);
    expect(inlineErrorParams(code.replace('schema3.properties.x.enum', 'schema3.enum'), 'test')).toBe('function validate1(){validate1.errors = [{keyword:"enum",params:{allowedValues: ["a"]}}];}');
  });
});

/**
 * Each vendor validator with realistic payloads: from the inbound fixtures, and the vendor's documented examples
 * kept next to its schema (`schemas/vendors/examples/<schema>[.<variant>].json`).
 */
const fixtureSamples: Record<string, () => unknown[]> = {
  samsaraWebhook: () => [payloads.samsaraDeparture(), payloads.samsaraArrival(), payloads.samsaraEta(), payloads.samsaraPod(), payloads.samsaraTemperatureAlert()],
  motiveWebhook: () => [payloads.motiveFormEntry()],
  zendeskWebhook: () => [payloads.zendeskEvent('ticket.status_changed', { current: 'PENDING', previous: 'OPEN' }), payloads.zendeskEvent('ticket.comment_added', { comment: { id: 1, body: 'Reefer checked', is_public: true } })],
  cloudEvent: () => [payloads.cloudEvent('com.example.erp.order.released.v1', payloads.erpOrder())],
  sapSalesOrderData: () => [{ SalesOrder: 'SO-1001', SalesOrderType: 'OR', SoldToParty: 'C-77', EventRaisedDateTime: '2026-03-12T06:00:00.000Z' }],
  sapSalesOrderEntity: () => [payloads.sapSalesOrderEntity()],
  sapOutboundDeliveryData: () => [payloads.sapOutboundDelivery()],
  genericErpOrder: () => [payloads.erpOrder()],
  genericErpInvoice: () => [payloads.erpInvoice()],
  genericErpQualityHold: () => [payloads.erpHold()],
  canonicalSubmission: () => [payloads.canonicalSubmission()],
};
const examplesDir = join(import.meta.dirname, '..', '..', 'schemas', 'vendors', 'examples');
function vendorSamples(name: string, stem: string): unknown[] {
  const examples = existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((file) => file === `${stem}.json` || (file.startsWith(`${stem}.`) && file.endsWith('.json')))
        .map((file) => JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as unknown)
    : [];
  return [...(fixtureSamples[name]?.() ?? []), ...examples];
}

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

function variant(sample: unknown, path: string[], replacement: unknown): unknown {
  const copy = structuredClone(sample) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

test('generated vendor validators agree with Ajv 2020-12 compiling the schema files, on fixtures and on each field removed or retyped', () => {
  const ajv = new Ajv2020({ ...canonicalAjvOptions, allowUnionTypes: true });
  addFormats(ajv);
  for (const schema of loadVendorSchemas().values()) ajv.addSchema(schema);
  let compared = 0;
  let rejected = 0;
  for (const [name, stem] of Object.entries(vendorValidators())) {
    const reference = ajv.getSchema(`${VENDOR_SCHEMA_ID_BASE}${stem}.schema.json`)!;
    const generated = (generatedVendorValidators as unknown as Record<string, (value: unknown) => boolean>)[name]!;
    const samples = vendorSamples(name, stem);
    expect(samples.length, `${name}: no sample (add the vendor's documented example as schemas/vendors/examples/${stem}.json)`).toBeGreaterThan(0);
    for (const sample of samples) {
      const variants = [sample, ...paths(sample).flatMap((p) => [variant(sample, p, undefined), variant(sample, p, { unexpected: true }), variant(sample, p, 'x'.repeat(600))])];
      for (const value of variants) {
        const verdict = generated(value);
        expect(verdict, `${name}: ${JSON.stringify(value).slice(0, 300)}`).toBe(reference(value));
        compared++;
        if (!verdict) rejected++;
      }
    }
  }
  expect(compared).toBeGreaterThan(500);
  expect(rejected).toBeGreaterThan(compared / 3);
});
