import Ajv, { _, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';
import ts from 'typescript';
import { canonicalAjvOptions } from './ajv';
import { mapSubschemas } from './bundle';
import { isJsonObject, type JsonSchema, type JsonValue } from './json';

/**
 * Build-time compilation of JSON schemas into Ajv standalone validators for the Lambda bundles (canonical and
 * vendor schemas alike). Every byte here ends up in a handler bundle, so the output is kept lean:
 *
 * - **Draft-07 code generator for 2020-12 schemas.** Ajv's 2020 class tracks "evaluated" properties in every
 *   function (for `unevaluatedProperties`), about 10% of the code even when no schema uses it. The schemas here
 *   only use keywords that mean the same in both dialects (Ajv 8 applies `$ref` siblings and `$defs` in both),
 *   so they are compiled with the draft-07 generator; a 2020-only keyword fails generation instead of being
 *   silently ignored. Tests compare the generated validators with Ajv's 2020-12 compiler on every example.
 * - **No `schemaPath` strings** in errors: callers report `instancePath` + `keyword` + `params`.
 * - **Tree-shakeable**: only declarations at top level, so a handler bundles only the validators it imports.
 * - **No schema objects kept for error parameters.** Ajv reports an `enum`'s allowed values or a type list by
 *   referring to the schema object (`schema14.properties.serviceLevel.enum`), which keeps the whole schema, every
 *   description-free subschema of it, in the bundle for one array. Those references are replaced by the value
 *   itself; a schema object nothing refers to any more is left out.
 * - **Formats from one ESM import** of ajv-formats instead of a CommonJS `require` per format.
 */

/** The import the generated module starts with; formats are referenced as `__formats[name]`. */
export const FORMATS_IMPORT = 'import { fullFormats as __formats } from "ajv-formats/dist/formats.js";';

/** 2019-09/2020-12 keywords the draft-07 generator would not understand (or would read differently). */
const DIALECT_2020_ONLY = ['prefixItems', 'unevaluatedProperties', 'unevaluatedItems', 'dependentRequired', 'dependentSchemas', 'minContains', 'maxContains', '$dynamicRef', '$dynamicAnchor', '$recursiveRef', '$recursiveAnchor', '$anchor', '$vocabulary'];

/** JSON pointers (within `schema`) of keywords the draft-07 generator cannot compile with 2020-12 meaning. */
export function draft2020OnlyKeywords(schema: JsonValue, at = ''): string[] {
  if (!isJsonObject(schema)) return [];
  const found = DIALECT_2020_ONLY.filter((k) => k in schema).map((k) => `${at}/${k}`);
  // `items` as an array is tuple validation in draft-07 but an error in 2020-12 (which says prefixItems).
  if (Array.isArray(schema.items)) found.push(`${at}/items`);
  mapSubschemas(schema, (sub, pointer) => {
    found.push(...draft2020OnlyKeywords(sub, `${at}${pointer}`));
    return sub;
  });
  return found;
}

/** Keywords that change no validation result: left out of the generated code (Ajv copies a schema object it refers to, annotations included). */
const ANNOTATIONS = new Set(['$schema', 'title', 'description', '$comment', 'examples']);
/** Keywords whose value is data, not a schema: copied as they are. */
const VALUES = new Set(['const', 'enum', 'default']);

/**
 * A copy of the schema for the draft-07 generator: without `$schema` anywhere (the document's dialect is checked
 * above) and without annotations. The generated code keeps a schema object wherever it refers to one (an enum's
 * allowed values, the properties an `additionalProperties: false` checks against), and with it every description.
 * A property *named* like an annotation (a `description` field of a payload) is kept: only keywords are dropped.
 */
function forGenerator(node: JsonValue, inProperties = false): JsonValue {
  if (Array.isArray(node)) return node.map((n) => forGenerator(n));
  if (!isJsonObject(node)) return node;
  if (inProperties) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, forGenerator(v)]));
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => !ANNOTATIONS.has(k))
      .map(([k, v]) => [k, VALUES.has(k) ? v : forGenerator(v, k === 'properties' || k === '$defs' || k === 'definitions' || k === 'patternProperties')]),
  );
}

/**
 * Ajv's standalone output rewritten so that a bundler can drop what a handler does not import: top-level
 * `new RegExp(...)` is marked pure. Anything other than declarations at top level fails generation: an
 * expression statement is a side effect that would keep every validator alive.
 */
function makeTreeShakeable(code: string, label: string): string {
  const out = code.replace(/^const (pattern\d+) = new RegExp\(/gm, 'const $1 = /* @__PURE__ */ new RegExp(');
  const source = ts.createSourceFile('validators.js', out, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const sideEffects = source.statements.filter((st) => !ts.isVariableStatement(st) && !ts.isFunctionDeclaration(st) && !ts.isExportDeclaration(st));
  if (sideEffects.length > 0) {
    const samples = sideEffects.map((st) => st.getText(source).slice(0, 120));
    throw new Error(`${label}: unexpected top-level code in Ajv's standalone output:\n${samples.slice(0, 5).join('\n')}`);
  }
  return out;
}

export interface StandaloneInput {
  /** Schemas to add, each with its `$id`. */
  schemas: readonly JsonSchema[];
  /** Export name → `$id` (with an optional `#/pointer`) of the schema it validates. */
  exports: Readonly<Record<string, string>>;
  /** Named in errors: the script that generates. */
  label: string;
  /** Extra Ajv options (e.g. `allowUnionTypes` for vendor payloads with nullable fields). */
  options?: Options;
}

/** ESM source of the validators (without the formats import; prepend FORMATS_IMPORT). */
export function standaloneValidators({ schemas, exports, label, options = {} }: StandaloneInput): string {
  for (const schema of schemas) {
    const unsupported = draft2020OnlyKeywords(schema);
    if (unsupported.length > 0) {
      throw new Error(`${label}: ${String(schema.$id)} uses ${unsupported.join(', ')}; the standalone generator compiles with draft-07 semantics (schemas/tooling/standalone.ts)`);
    }
  }
  const ajv = new Ajv({
    ...canonicalAjvOptions,
    ...options,
    // Messages are built by the callers from keyword + params (smaller bundle).
    messages: false,
    code: { source: true, esm: true, lines: true, optimize: true, formats: _`__formats` },
  });
  addFormats(ajv);
  for (const schema of schemas) ajv.addSchema(forGenerator(schema) as JsonSchema);
  const code = standaloneCode(ajv, { ...exports });

  // The module is ESM and bundled into Lambda handlers: a CommonJS require (a runtime helper such as deep
  // equality for object enums) would break both. Fail loudly; adapt the schema or the generator.
  const requires = [...code.matchAll(/require\(("[^"]+")\)/g)].map((m) => m[1]);
  if (requires.length > 0) throw new Error(`${label}: standalone validators need CommonJS helpers ${[...new Set(requires)].join(', ')}`);

  const lean = code.replace(/^"use strict";\s*/, '').replace(/schemaPath:"(?:[^"\\]|\\.)*",/g, '');
  if (lean.includes('schemaPath')) throw new Error(`${label}: a schemaPath was left in the standalone output`);
  return makeTreeShakeable(inlineErrorParams(lean, label), label);
}

/** `const schemaN = {...};` lines of the standalone output: Ajv writes each schema object as one JSON line. */
const SCHEMA_CONST = /^const (schema\d+) = (.*);$/gm;
/** An error parameter read from a schema object: `params:{allowedValues: schema14.properties.unit.enum}`. */
const PARAM_FROM_SCHEMA = /(params:\{[A-Za-z]+: )(schema\d+)((?:\.[A-Za-z_$][\w$]*|\[\d+\])+)\}/g;

/**
 * Error parameters that Ajv reads from a schema object, written as values instead; then the schema objects
 * nothing refers to are dropped (see the module comment). Validation code that reads a schema object (e.g.
 * `additionalProperties: false` over many properties) keeps it.
 */
export function inlineErrorParams(code: string, label: string): string {
  const schemas = new Map<string, JsonValue>();
  for (const [, name, json] of code.matchAll(SCHEMA_CONST)) schemas.set(name, JSON.parse(json) as JsonValue);
  const inlined = code.replace(PARAM_FROM_SCHEMA, (_match, head: string, name: string, path: string) => {
    let value: JsonValue | undefined = schemas.get(name);
    for (const [, key, index] of path.matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]/g)) {
      if (Array.isArray(value) && index !== undefined) value = value[Number(index)];
      else if (isJsonObject(value) && key !== undefined && Object.hasOwn(value, key)) value = value[key];
      else value = undefined;
      if (value === undefined) break;
    }
    if (value === undefined) throw new Error(`${label}: ${name}${path} does not resolve in its schema object`);
    return `${head}${JSON.stringify(value)}}`;
  });
  const lines = inlined.split('\n');
  const used = (name: string, at: number) => lines.some((other, i) => i !== at && new RegExp(`\\b${name}\\b`).test(other));
  return lines
    .filter((line, at) => {
      const name = /^const (schema\d+) = /.exec(line)?.[1];
      return name === undefined || used(name, at);
    })
    .map((line) => keysOnly(line, inlined, schemas, label))
    .join('\n');
}

/** `func2.call(schema8.properties, key0)`: an own-property test against the names of a schema's `properties`. */
const OWN_PROPERTY_TEST = /(func\d+)\.call\((schema\d+)\.properties, /g;

/**
 * A schema object that the code reads only as `Object.prototype.hasOwnProperty.call(schemaN.properties, key)` (Ajv's
 * `additionalProperties: false` over more than a few properties) is written as `{properties: {name: 0, …}}`: the same
 * own keys, without the subschemas. Any other use keeps the object whole.
 */
function keysOnly(line: string, code: string, schemas: ReadonlyMap<string, JsonValue>, label: string): string {
  const name = /^const (schema\d+) = /.exec(line)?.[1];
  if (name === undefined) return line;
  const uses = code.split(line).join('').match(new RegExp(`\\b${name}\\b[^,;)]*`, 'g')) ?? [];
  const tests = [...code.matchAll(OWN_PROPERTY_TEST)].filter((m) => m[2] === name);
  const hasOwn = tests.every((m) => new RegExp(`^const ${m[1]} = Object\\.prototype\\.hasOwnProperty;$`, 'm').test(code));
  if (tests.length === 0 || tests.length !== uses.length || !hasOwn) return line;
  const properties = (schemas.get(name) as { properties?: JsonValue } | undefined)?.properties;
  if (!isJsonObject(properties)) throw new Error(`${label}: ${name}.properties is not an object`);
  if (Object.hasOwn(properties, '__proto__')) return line;
  return `const ${name} = {properties: ${JSON.stringify(Object.fromEntries(Object.keys(properties).map((k) => [k, 0])))}};`;
}
