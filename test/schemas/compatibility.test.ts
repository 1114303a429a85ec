import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  bundleCanonicalSchema,
  loadCanonicalSchemas,
  loadSharedSchemas,
  schemaKey,
  sharedDocuments,
  type JsonObject,
  type JsonSchema,
} from '../../schemas/catalog';
import { bundleSchema } from '../../schemas/tooling/bundle';
import {
  collectFieldContracts,
  findBreakingChanges,
  publishedLockFile,
  readLock,
  serializeLock,
  type FieldContracts,
} from '../../schemas/tooling/compatibility';
import { schemaFor } from './support';

const lock = readLock();

describe('published canonical schemas stay compatible (schemas/published.lock.json)', () => {
  test.each(Object.entries(lock.schemas))('%s keeps every published field, type and requiredness', (key, published) => {
    const entry = loadCanonicalSchemas().find((s) => schemaKey(s.eventType, s.version) === key);
    expect(entry, `${key} is published but schemas/canonical/events/${published.eventType}.v${published.schemaVersion}.schema.json is gone`).toBeDefined();
    if (!entry) return;
    const current = collectFieldContracts(bundleCanonicalSchema(entry.schema));
    expect(findBreakingChanges(published.eventType, published.schemaVersion, published.fields, current)).toEqual([]);
  });

  test('every schema version in the catalog is published (run `npx tsx tools/publish-schemas.ts`)', () => {
    const unpublished = loadCanonicalSchemas()
      .map((s) => schemaKey(s.eventType, s.version))
      .filter((key) => !(key in lock.schemas));
    expect(unpublished).toEqual([]);
  });

  test('the lock file is exactly what publish-schemas writes (not edited by hand)', () => {
    expect(readFileSync(publishedLockFile, 'utf8')).toBe(serializeLock(lock.schemas));
  });
});

describe('the compatibility checker', () => {
  const published = lock.schemas['order.released@1'].fields;

  /** order.released v1 with a change made in memory, reduced to its field contracts. */
  function changed(edit: (schema: JsonObject, data: JsonObject) => void): FieldContracts {
    const schema = structuredClone(schemaFor('order.released').schema) as JsonSchema;
    const defs = schema.$defs as JsonObject;
    edit(schema, defs.OrderReleasedData as JsonObject);
    return collectFieldContracts(bundleCanonicalSchema(schema));
  }
  const props = (data: JsonObject) => data.properties as JsonObject;
  const check = (current: FieldContracts) => findBreakingChanges('order.released', '1', published, current);

  test('the unchanged schema is compatible', () => {
    expect(check(changed(() => undefined))).toEqual([]);
  });

  test('catches a dropped optional field, naming event type, version and path', () => {
    expect(check(changed((_s, data) => delete props(data).contractId))).toEqual([
      'order.released v1: field "data.contractId" was removed (published as string, optional)',
    ]);
  });

  test('reports a dropped object once, not once per nested field', () => {
    const problems = check(
      changed((_s, data) => {
        delete props(data).lines;
        data.required = (data.required as string[]).filter((r) => r !== 'lines');
      }),
    );
    expect(problems).toEqual(['order.released v1: field "data.lines" was removed (published as array<object>, required)']);
  });

  test('catches a retyped field', () => {
    expect(check(changed((_s, data) => (props(data).deliverySlaHours = { type: 'string', maxLength: 10 })))).toEqual([
      'order.released v1: field "data.deliverySlaHours" changed type from integer to string',
    ]);
  });

  test('catches a retyped field deep inside an array item', () => {
    const problems = check(changed((schema) => (((schema.$defs as JsonObject).OrderLine as JsonObject).properties as JsonObject).quantity = { type: 'number' }));
    expect(problems).toEqual(['order.released v1: field "data.lines[].quantity" changed type from integer to number']);
  });

  test('catches an optional field made required', () => {
    expect(check(changed((_s, data) => (data.required as string[]).push('contractId')))).toEqual([
      'order.released v1: field "data.contractId" became required (it was published as optional)',
    ]);
  });

  test('catches a required field made optional', () => {
    expect(check(changed((_s, data) => (data.required = (data.required as string[]).filter((r) => r !== 'shipTo'))))).toEqual([
      'order.released v1: field "data.shipTo" is no longer required (consumers rely on it)',
    ]);
  });

  test('catches a removed enum value but allows a new one', () => {
    const serviceLevel = (values: string[]) => changed((_s, data) => (props(data).serviceLevel = { type: 'string', enum: values }));
    expect(check(serviceLevel(['standard', 'express']))).toEqual(['order.released v1: field "data.serviceLevel" no longer allows "same-day"']);
    expect(check(serviceLevel(['standard', 'express', 'same-day', 'next-day']))).toEqual([]);
  });

  test('allows a new optional field, and a new optional object with required members', () => {
    expect(check(changed((_s, data) => (props(data).incoterms = { type: 'string', maxLength: 3 })))).toEqual([]);
    const withObject = changed((_s, data) => {
      props(data).billTo = { type: 'object', properties: { accountId: { type: 'string' } }, required: ['accountId'] };
    });
    expect(check(withObject)).toEqual([]);
  });

  test('catches a new required field in a published object', () => {
    const current = changed((_s, data) => {
      props(data).incoterms = { type: 'string', maxLength: 3 };
      (data.required as string[]).push('incoterms');
    });
    expect(check(current)).toEqual(['order.released v1: new field "data.incoterms" is required; a published version may only gain optional fields']);
  });

  test('catches a removed exception kind (a oneOf variant)', () => {
    const exception = schemaFor('shipment.exception-raised');
    const publishedException = lock.schemas['shipment.exception-raised@1'].fields;
    const schema = structuredClone(exception.schema) as JsonSchema;
    const variants = ((schema.$defs as JsonObject).ShipmentExceptionRaisedData as JsonObject).oneOf as JsonObject[];
    variants.splice(variants.findIndex((v) => v.$ref === '#/$defs/DamageException'), 1);
    const problems = findBreakingChanges('shipment.exception-raised', '1', publishedException, collectFieldContracts(bundleCanonicalSchema(schema)));
    expect(problems).toContain('shipment.exception-raised v1: field "data[kind=damage].kind" was removed (published as string, required)');
  });

  test('catches a change in a shared definition (common.schema.json) in the events that use it', () => {
    const documents = new Map(sharedDocuments());
    const common = structuredClone(loadSharedSchemas().common.schema) as JsonSchema;
    ((common.$defs as JsonObject).Celsius as JsonObject).type = 'string';
    documents.set(loadSharedSchemas().common.id, common);
    const current = collectFieldContracts(bundleSchema(schemaFor('order.released').schema, documents));
    expect(check(current)).toEqual([
      'order.released v1: field "data.temperature.range.maxCelsius" changed type from number to string',
      'order.released v1: field "data.temperature.range.minCelsius" changed type from number to string',
    ]);
  });
});
