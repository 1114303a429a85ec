import {
  isJsonObject,
  singleSubschemaKeywords,
  subschemaArrayKeywords,
  subschemaMapKeywords,
  type JsonObject,
  type JsonSchema,
  type JsonValue,
} from './json';

/**
 * Returns a copy of `schema` with `fn` applied to each of its direct subschemas (and only to subschemas:
 * `const`, `enum`, `default` and unknown keywords are data and are copied as they are).
 * `path` is the JSON pointer of the subschema relative to `schema`.
 */
export function mapSubschemas(schema: JsonSchema, fn: (subschema: JsonValue, pointer: string) => JsonValue): JsonSchema {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    const at = `/${escapePointer(key)}`;
    if ((singleSubschemaKeywords as readonly string[]).includes(key) && (isJsonObject(value) || typeof value === 'boolean')) {
      out[key] = fn(value, at);
    } else if ((subschemaArrayKeywords as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map((v, i) => fn(v, `${at}/${i}`));
    } else if ((subschemaMapKeywords as readonly string[]).includes(key) && isJsonObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v, `${at}/${escapePointer(k)}`)]));
    } else if (key === 'dependencies' && isJsonObject(value)) {
      // draft-04 `dependencies`: a subschema or a list of property names per key.
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v : fn(v, `${at}/${escapePointer(k)}`)]));
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Makes `root` self-contained: every `$ref` to another known document (by `$id`, absolute or relative to the
 * referring document's `$id`) is replaced by a local `#/$defs/<Name>` ref, and the referenced definitions are
 * hoisted into the root's `$defs` under their own names (a whole document under its `title`). Only reachable
 * definitions are hoisted. Two different definitions with the same name are an error, never silently merged.
 *
 * Supported ref forms: `<doc>`, `<doc>#`, `<doc>#/$defs/<Name>` and the same relative to the current document.
 */
export function bundleSchema(root: JsonSchema, documents: ReadonlyMap<string, JsonSchema>): JsonSchema {
  const rootId = root.$id;
  if (typeof rootId !== 'string' || !URL.canParse(rootId)) throw new Error('bundleSchema: the root schema needs an absolute $id');
  const rootDefs = isJsonObject(root.$defs) ? root.$defs : {};
  /** name → where the definition came from (document id + fragment) and its rewritten body. */
  const hoisted = new Map<string, { origin: string; value: JsonValue | undefined }>();

  const rewrite = (node: JsonValue, baseId: string, at: string, isRoot = false): JsonValue => {
    if (!isJsonObject(node)) return node;
    if (!isRoot && typeof node.$id === 'string') throw new Error(`bundleSchema: nested $id at ${at} is not supported`);
    const mapped = mapSubschemas(node, (sub, pointer) => rewrite(sub, baseId, `${at}${pointer}`));
    if (typeof node.$ref !== 'string') return mapped;
    return { ...mapped, $ref: resolveRef(node.$ref, baseId, at) };
  };

  const resolveRef = (ref: string, baseId: string, at: string): string => {
    const target = new URL(ref, baseId);
    const fragment = decodeURIComponent(target.hash.replace(/^#/, ''));
    target.hash = '';
    const docId = target.href;
    const defName = /^\/\$defs\/([^/]+)$/.exec(fragment)?.[1];
    if (fragment !== '' && defName === undefined) {
      throw new Error(`bundleSchema: unsupported $ref "${ref}" at ${at} (only whole documents and #/$defs/<Name>)`);
    }
    if (docId === rootId) {
      if (defName === undefined) return '#';
      const name = unescapePointer(defName);
      if (!(name in rootDefs)) throw new Error(`bundleSchema: $ref "${ref}" at ${at} points to a missing definition`);
      return `#/$defs/${escapePointer(name)}`;
    }
    const doc = documents.get(docId);
    if (!doc) throw new Error(`bundleSchema: $ref "${ref}" at ${at} points to an unknown document ${docId}`);
    let name: string;
    let body: JsonValue;
    if (defName === undefined) {
      if (typeof doc.title !== 'string') throw new Error(`bundleSchema: ${docId} is referenced as a whole and needs a title`);
      name = doc.title;
      body = Object.fromEntries(Object.entries(doc).filter(([k]) => k !== '$schema' && k !== '$id' && k !== '$defs'));
    } else {
      name = unescapePointer(defName);
      const defs = isJsonObject(doc.$defs) ? doc.$defs : {};
      if (!(name in defs)) throw new Error(`bundleSchema: $ref "${ref}" at ${at} points to a missing definition`);
      body = defs[name];
    }
    const origin = `${docId}#${fragment}`;
    const existing = hoisted.get(name);
    if (name in rootDefs || (existing && existing.origin !== origin)) {
      throw new Error(`bundleSchema: two definitions are named "${name}" (${existing?.origin ?? rootId} and ${origin})`);
    }
    if (!existing) {
      hoisted.set(name, { origin, value: undefined }); // placeholder first: recursive refs terminate
      hoisted.set(name, { origin, value: rewrite(body, docId, origin) });
    }
    return `#/$defs/${escapePointer(name)}`;
  };

  const { $defs: _ownDefs, ...rest } = root;
  const out = rewrite(rest, rootId, '#', true) as JsonObject;
  const ownDefs = Object.fromEntries(Object.entries(rootDefs).map(([k, v]) => [k, rewrite(v, rootId, `#/$defs/${k}`)]));
  const allDefs: JsonObject = { ...ownDefs };
  for (const [name, { value }] of hoisted) {
    if (value === undefined) throw new Error(`bundleSchema: internal error, "${name}" was not resolved`);
    allDefs[name] = value;
  }
  return Object.keys(allDefs).length > 0 ? { ...out, $defs: allDefs } : out;
}

/** Resolves a local `#/$defs/<Name>` (or `#/definitions/<Name>`) ref inside a bundled schema. */
export function resolveLocalRef(root: JsonSchema, ref: string): JsonSchema {
  if (ref === '#') return root;
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
  const defs = match ? root[match[1]] : undefined;
  const target = match && isJsonObject(defs) ? defs[unescapePointer(match[2])] : undefined;
  if (!isJsonObject(target)) throw new Error(`cannot resolve local $ref "${ref}"`);
  return target;
}
