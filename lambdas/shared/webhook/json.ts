import { ValidationError } from '../errors';

/** Deepest nesting a webhook body may have; real vendor payloads stay below 10. */
export const MAX_JSON_DEPTH = 32;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// ignoreBOM keeps a leading BOM in the text, so it can be refused rather than silently dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Nesting depth of a JSON text, counted on the raw characters (strings skipped) so a hostile
 * `[[[[…` is refused before `JSON.parse` or any recursive validator walks it. Stops counting at `limit + 1`.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

function findForbiddenKey(text: string): string | undefined {
  let found: string | undefined;
  JSON.parse(text, (key: string) => {
    if (found === undefined && FORBIDDEN_KEYS.has(key)) found = key;
    return undefined; // nothing is kept: this pass only looks at keys
  });
  return found;
}

/**
 * Decodes and parses an untrusted JSON body: strict UTF-8 (a byte-order mark or invalid sequence is refused),
 * bounded nesting, and no `__proto__` / `constructor` / `prototype` keys anywhere (prototype-pollution probes
 * have no business in a webhook). Throws {@link ValidationError} with field `body`.
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
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new ValidationError(`JSON nesting is deeper than ${MAX_JSON_DEPTH} levels`, 'body');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`request body is not valid JSON: ${(error as Error).message}`, 'body', { cause: error });
  }
  // Fast path: the slower key walk runs only when the text could spell a forbidden key (directly or escaped).
  if (/__proto__|constructor|prototype|\\u/.test(text)) {
    const key = findForbiddenKey(text);
    if (key !== undefined) throw new ValidationError(`key "${key}" is not allowed anywhere in the body`, 'body');
  }
  return value;
}
