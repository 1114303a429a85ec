/**
 * Schema compatibility: what a published (eventType, schemaVersion) promises, and what breaks that promise.
 *
 * A schema's contract is its list of field paths, each with its JSON type, whether it is required (within its
 * parent) and, for enum/const fields, the allowed values. Paths: `data.lines[].sku` for array items,
 * `data[kind=delay].delayMinutes` for a oneOf/anyOf variant recognised by a required single-value property.
 *
 * Within one published version:
 * - allowed: new optional fields (and new required fields inside a new optional object or a new variant),
 *   new enum values;
 * - breaking: a field removed, its type changed, optional → required, required → optional, an enum value
 *   removed, a new required field in an existing object. A breaking change needs a new vN schema file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveLocalRef } from './bundle';
import { isJsonObject, jsonTypeOf, type JsonPrimitive, type JsonSchema, type JsonValue } from './json';

export interface FieldContract {
  /** JSON type(s), `|`-joined and sorted; arrays as `array<item type>`; `any` when unconstrained. */
  readonly type: string;
  /** Required within its parent object (or variant). */
  readonly required: boolean;
  /** Allowed values, for enum/const fields (sorted). */
  readonly values?: readonly JsonPrimitive[];
}

export type FieldContracts = Readonly<Record<string, FieldContract>>;

export interface LockEntry {
  readonly eventType: string;
  readonly schemaVersion: string;
  readonly fields: FieldContracts;
}

export interface PublishedLock {
  readonly $comment?: string;
  readonly lockVersion: 1;
  /** Keyed by `<eventType>@<schemaVersion>`. */
  readonly schemas: Readonly<Record<string, LockEntry>>;
}

export const publishedLockFile = fileURLToPath(new URL('../published.lock.json', import.meta.url));

const LOCK_COMMENT =
  'Published canonical event contracts: every field path, its JSON type and whether it is required. Written by tools/publish-schemas.ts; checked by test/schemas/compatibility.test.ts. Do not edit by hand.';

/** The merged view of a subschema: its allOf members, $refs and own keywords folded together. */
interface Effective {
  types?: Set<string>;
  values?: JsonPrimitive[];
  properties: Map<string, JsonSchema[]>;
  required: Set<string>;
  items: JsonSchema[];
  variants?: JsonSchema[];
}

/**
 * Every field path of a bundled schema (see `bundleCanonicalSchema`) with its contract.
 * Supports the keywords canonical schemas use: type, properties, required, items, enum, const, $ref (local),
 * allOf, oneOf/anyOf (as variants).
 */
export function collectFieldContracts(bundled: JsonSchema): FieldContracts {
  const fields: Record<string, FieldContract> = {};

  const effective = (schemas: readonly JsonValue[], depth = 0): Effective => {
    if (depth > 64) throw new Error('collectFieldContracts: $ref nesting too deep (recursive schema?)');
    const eff: Effective = { properties: new Map(), required: new Set(), items: [] };
    const queue = [...schemas];
    while (queue.length > 0) {
      const node = queue.shift();
      if (node === true || node === undefined) continue;
      if (!isJsonObject(node)) throw new Error('collectFieldContracts: boolean `false` schemas are not supported');
      if (typeof node.$ref === 'string') queue.push(resolveLocalRef(bundled, node.$ref));
      if (Array.isArray(node.allOf)) queue.push(...node.allOf);
      if (node.type !== undefined) {
        const types = new Set(Array.isArray(node.type) ? node.type.map(String) : [String(node.type)]);
        eff.types = eff.types ? new Set([...eff.types].filter((t) => types.has(t) || (t === 'integer' && types.has('number')))) : types;
      }
      const values = 'const' in node ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
      if (values) {
        const primitives = values.filter((v): v is JsonPrimitive => v === null || typeof v !== 'object');
        eff.values = eff.values ? eff.values.filter((v) => primitives.includes(v)) : primitives;
      }
      if (isJsonObject(node.properties)) {
        for (const [key, sub] of Object.entries(node.properties)) {
          if (!isJsonObject(sub) && typeof sub !== 'boolean') continue;
          eff.properties.set(key, [...(eff.properties.get(key) ?? []), sub as JsonSchema]);
        }
      }
      if (Array.isArray(node.required)) for (const key of node.required) eff.required.add(String(key));
      if (isJsonObject(node.items)) eff.items.push(node.items);
      for (const keyword of ['oneOf', 'anyOf'] as const) {
        const branches = node[keyword];
        if (!Array.isArray(branches)) continue;
        if (eff.variants) throw new Error('collectFieldContracts: only one oneOf/anyOf per object is supported');
        eff.variants = branches.filter(isJsonObject);
      }
    }
    return eff;
  };

  const typeOf = (eff: Effective, depth: number): string => {
    let types: string[];
    if (eff.types) types = [...eff.types];
    else if (eff.values) types = [...new Set(eff.values.map((v) => jsonTypeOf(v)))];
    else if (eff.variants) types = [...new Set(eff.variants.flatMap((v) => typeOf(effective([v], depth + 1), depth + 1).split('|')))];
    else types = ['any'];
    return types
      .map((t) => (t === 'array' ? `array<${eff.items.length > 0 ? typeOf(effective(eff.items, depth + 1), depth + 1) : 'any'}>` : t))
      .sort()
      .join('|');
  };

  const record = (path: string, eff: Effective, required: boolean, depth: number) => {
    const values = eff.values ? [...eff.values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : undefined;
    fields[path] = values ? { type: typeOf(eff, depth), required, values } : { type: typeOf(eff, depth), required };
  };

  const descend = (eff: Effective, path: string, depth: number) => {
    if (depth > 32) throw new Error(`collectFieldContracts: ${path} is nested too deep`);
    const prefix = path === '' ? '' : `${path}.`;
    for (const [key, subs] of eff.properties) {
      const child = effective(subs);
      const childPath = `${prefix}${key}`;
      record(childPath, child, eff.required.has(key), depth);
      descend(child, childPath, depth + 1);
    }
    if (eff.items.length > 0) descend(effective(eff.items), `${path}[]`, depth + 1);
    eff.variants?.forEach((variant, index) => {
      const v = effective([variant]);
      descend(v, `${path}[${variantLabel(v) ?? index}]`, depth + 1);
    });
  };

  descend(effective([bundled]), '', 0);
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `kind=delay` when the variant has a required property allowing exactly one value. */
function variantLabel(variant: Effective): string | undefined {
  for (const [key, subs] of variant.properties) {
    if (!variant.required.has(key)) continue;
    for (const sub of subs) {
      const value = isJsonObject(sub) ? ('const' in sub ? sub.const : Array.isArray(sub.enum) && sub.enum.length === 1 ? sub.enum[0] : undefined) : undefined;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `${key}=${String(value)}`;
    }
  }
  return undefined;
}

/**
 * What `current` breaks of the `published` contract of one (eventType, version), as messages naming the event
 * type, the version and the field path. Empty when compatible.
 */
export function findBreakingChanges(eventType: string, schemaVersion: string, published: FieldContracts, current: FieldContracts): string[] {
  const where = `${eventType} v${schemaVersion}`;
  const problems: string[] = [];
  const removed = new Set<string>();
  for (const path of Object.keys(published).sort()) {
    const was = published[path];
    const now = current[path];
    if (!now) {
      removed.add(path);
      // One message per removed subtree (sorted: a parent comes before its children).
      if (!hasRemovedAncestor(path, removed)) problems.push(`${where}: field "${path}" was removed (published as ${describe(was)})`);
      continue;
    }
    if (now.type !== was.type) problems.push(`${where}: field "${path}" changed type from ${was.type} to ${now.type}`);
    if (now.required && !was.required) problems.push(`${where}: field "${path}" became required (it was published as optional)`);
    if (!now.required && was.required) problems.push(`${where}: field "${path}" is no longer required (consumers rely on it)`);
    if (was.values) {
      const lost = now.values ? was.values.filter((v) => !now.values?.includes(v)) : [];
      if (lost.length > 0) problems.push(`${where}: field "${path}" no longer allows ${lost.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }
  for (const [path, now] of Object.entries(current)) {
    if (path in published || !now.required) continue;
    const parent = parentPath(path);
    const parentIsNew = parent !== undefined && !(parent in published) && !Object.keys(published).some((p) => p.startsWith(`${parent}.`) || p.startsWith(`${parent}[`));
    if (!parentIsNew) problems.push(`${where}: new field "${path}" is required; a published version may only gain optional fields`);
  }
  return problems;
}

/**
 * The field (or variant) a path belongs to: `data.lines[].sku` → `data.lines`, `data[kind=delay].x` →
 * `data[kind=delay]`, `data[kind=delay]` → `data`, `data` → undefined.
 */
function parentPath(path: string): string | undefined {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  if (cut <= 0) return undefined;
  const parent = path.slice(0, cut);
  return parent.endsWith('[]') ? parent.slice(0, -2) : parent;
}

function hasRemovedAncestor(path: string, removed: ReadonlySet<string>): boolean {
  for (let p = parentPath(path); p !== undefined; p = parentPath(p)) if (removed.has(p)) return true;
  return false;
}

function describe(field: FieldContract): string {
  return `${field.type}, ${field.required ? 'required' : 'optional'}`;
}

export function readLock(file = publishedLockFile): PublishedLock {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isJsonObject(parsed) || parsed.lockVersion !== 1 || !isJsonObject(parsed.schemas)) {
    throw new Error(`${file}: not a published-schema lock (lockVersion 1)`);
  }
  return parsed as unknown as PublishedLock;
}

/** Stable JSON for the lock file: entries and fields sorted, one line per field (readable diffs), trailing newline. */
export function serializeLock(schemas: Readonly<Record<string, LockEntry>>): string {
  const entries = Object.keys(schemas)
    .sort()
    .map((key) => {
      const entry = schemas[key];
      const fields = Object.keys(entry.fields)
        .sort()
        .map((path) => `        ${JSON.stringify(path)}: ${JSON.stringify(entry.fields[path])}`)
        .join(',\n');
      return [
        `    ${JSON.stringify(key)}: {`,
        `      "eventType": ${JSON.stringify(entry.eventType)},`,
        `      "schemaVersion": ${JSON.stringify(entry.schemaVersion)},`,
        `      "fields": {\n${fields}\n      }`,
        '    }',
      ].join('\n');
    });
  return `{\n  "$comment": ${JSON.stringify(LOCK_COMMENT)},\n  "lockVersion": 1,\n  "schemas": {\n${entries.join(',\n')}\n  }\n}\n`;
}
