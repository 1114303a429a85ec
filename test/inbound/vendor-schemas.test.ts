import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { generate, loadVendorSchemas, vendorValidators } from '../../tools/gen-vendor-validators';
import { allDialects } from '../../registry/vendors';
import * as validators from '../../lambdas/shared/webhook/generated/vendor-validators.js';

const generated = path.resolve(import.meta.dirname, '../../lambdas/shared/webhook/generated');

describe('vendor schemas (schemas/vendors) and their generated validators', () => {
  test('the committed validators are what the schemas generate (run `npm run gen:vendor` after a schema change)', () => {
    const { js, dts } = generate();
    expect(readFileSync(path.join(generated, 'vendor-validators.js'), 'utf8')).toBe(js);
    expect(readFileSync(path.join(generated, 'vendor-validators.d.ts'), 'utf8')).toBe(dts);
  });

  test('every schema file is exported as a validator, and every dialect of the registry has its schema', () => {
    const exported = vendorValidators();
    expect(Object.values(exported).sort()).toEqual([...loadVendorSchemas().keys()].sort());
    for (const name of Object.keys(exported)) expect(typeof (validators as Record<string, unknown>)[name], name).toBe('function');
    for (const dialect of allDialects()) expect(Object.values(exported), `${dialect.system}/${dialect.route}`).toContain(dialect.schema);
  });

  // CloudEvents 1.0.2 allows any non-empty string as `id`: the CloudEvents route bounds the ids of the events it
  // maps to printable ASCII of at most 256 characters in its mapping (lambdas/erp/inbound/cloudevents.ts).
  const ANY_STRING_BY_SPEC = new Set(['cloudevent/properties/id']);

  test('every id a vendor sends is bounded and restricted to letters, digits and . _ : -', () => {
    const walk = (node: unknown, at: string, out: string[]) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        const here = `${at}/${key}`;
        if (/(^id$|Id$)/.test(key) && value && typeof value === 'object' && (value as { type?: unknown }).type === 'string') out.push(here);
        walk(value, here, out);
      }
    };
    for (const [stem, schema] of loadVendorSchemas()) {
      const ids: string[] = [];
      walk(schema, stem, ids);
      for (const at of ids.filter((path) => !ANY_STRING_BY_SPEC.has(path))) {
        const node = at.split('/').slice(1).reduce<Record<string, unknown>>((n, k) => n[k] as Record<string, unknown>, schema as Record<string, unknown>);
        expect(node.maxLength, `${at} needs maxLength`).toBeTypeOf('number');
        expect(node.pattern, `${at} needs a pattern`).toBeTypeOf('string');
      }
    }
  });
});
