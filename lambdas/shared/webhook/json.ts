import { ValidationError } from '../errors';

/** Deepest nesting a webhook body may have; real vendor payloads stay below 10. */
export const MAX_JSON_DEPTH = 32;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// ignoreBOM keeps a leading BOM in the text, so it can be refused rather than silently dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What one walk of a parsed body finds: the first structural problem, and how many object members it has. */
function inspect(root: unknown, maxDepth: number): { problem?: string; members: number } {
  if (root === null || typeof root !== 'object') return { members: 0 };
  let members = 0;
  const stack: { value: object; depth: number }[] = [{ value: root, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > maxDepth) return { problem: `JSON nesting is deeper than ${maxDepth} levels`, members };
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    members += keys.length;
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) return { problem: `key "${key}" is not allowed anywhere in the body`, members };
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
    }
  }
  return { members };
}

/**
 * Walks a parsed JSON value without recursion (a hostile body cannot exhaust the stack) and returns the first
 * problem: nesting deeper than `maxDepth`, or a `__proto__` / `constructor` / `prototype` key anywhere.
 * JSON.parse makes such keys plain own properties, harmless here, but they are probes for prototype
 * pollution in whatever merges the data later, and no vendor payload has them.
 */
export function jsonProblem(root: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  return inspect(root, maxDepth).problem;
}

/**
 * How many member names a valid JSON text spells (a repeated name counts each time): every string token, found
 * with indexOf (outside strings JSON has no quote), is a member name when a colon follows it.
 */
function memberNames(text: string): number {
  let count = 0;
  let start = text.indexOf('"');
  while (start !== -1) {
    let end = text.indexOf('"', start + 1);
    // A quote preceded by an odd number of backslashes is escaped: look further.
    for (let slashes = 0; end !== -1; slashes = 0) {
      while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
      if (slashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    if (end === -1) break;
    let next = end + 1;
    let c = text.charCodeAt(next);
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(++next);
    if (c === 0x3a) count++;
    start = text.indexOf('"', next);
  }
  return count;
}

/**
 * The field (`data.route.stops[0].id`) of the first member whose name its object already has, in a valid JSON
 * text. Only called once a duplicate is known to exist, so it favours clarity over speed.
 */
export function firstDuplicateKey(text: string): string | undefined {
  type Frame = { kind: 'object'; field: string; keys: Set<string>; key?: string } | { kind: 'array'; field: string; index: number };
  const stack: Frame[] = [];
  const child = (frame: Frame | undefined): string => {
    if (!frame) return '';
    if (frame.kind === 'array') return `${frame.field}[${frame.index}]`;
    return frame.field ? `${frame.field}.${frame.key ?? ''}` : (frame.key ?? '');
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack.at(-1);
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      let next = end + 1;
      while (next < text.length && ' \t\n\r'.includes(text[next])) next++;
      if (top?.kind === 'object' && text[next] === ':') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return top.field ? `${top.field}.${key}` : key;
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    } else if (c === '{') {
      stack.push({ kind: 'object', field: child(top), keys: new Set() });
    } else if (c === '[') {
      stack.push({ kind: 'array', field: child(top), index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top?.kind === 'array') {
      top.index++;
    }
  }
  return undefined;
}

/**
 * Decodes and parses an untrusted JSON body: strict UTF-8 (a byte-order mark or an invalid sequence is refused),
 * then bounded nesting, no prototype-pollution keys (see {@link jsonProblem}) and no repeated member names.
 * V8's JSON.parse copes with any nesting the body bound allows, so depth is checked on the result, which costs
 * ~1 µs instead of a character scan. JSON.parse keeps the last of repeated names (RFC 8259 §4 leaves it
 * undefined): no vendor repeats one, and a body whose meaning depends on the parser is refused, naming the member.
 * Throws {@link ValidationError} with field `body`, or the repeated member's field.
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new ValidationError('request body is empty', 'body');
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (error) {
    throw new ValidationError('request body is not valid UTF-8', 'body', { cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) throw new ValidationError('request body starts with a byte-order mark', 'body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`request body is not valid JSON: ${(error as Error).message}`, 'body', { cause: error });
  }
  const { problem, members } = inspect(value, MAX_JSON_DEPTH);
  if (problem) throw new ValidationError(problem, 'body');
  // Each object member of the result was one name in the text, unless a name was repeated and collapsed.
  if (memberNames(text) !== members) {
    // An empty name at the top level has no path of its own: it is named as the document's, like a schema error there.
    const field = firstDuplicateKey(text) || '(root)';
    throw new ValidationError(`member "${field}" appears more than once in its object`, field);
  }
  return value;
}
