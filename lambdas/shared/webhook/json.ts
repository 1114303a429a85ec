import { ValidationError } from '../errors';

/** Deepest nesting a webhook body may have; real vendor payloads stay below 10. */
export const MAX_JSON_DEPTH = 32;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// ignoreBOM keeps a leading BOM in the text, so it can be refused rather than silently dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Walks a parsed JSON value without recursion (a hostile body cannot exhaust the stack) and returns the first
 * problem: nesting deeper than `maxDepth`, or a `__proto__` / `constructor` / `prototype` key anywhere.
 * JSON.parse makes such keys plain own properties, harmless here, but they are probes for prototype
 * pollution in whatever merges the data later, and no vendor payload has them.
 */
export function jsonProblem(root: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  if (root === null || typeof root !== 'object') return undefined;
  const stack: { value: object; depth: number }[] = [{ value: root, depth: 1 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth > maxDepth) return `JSON nesting is deeper than ${maxDepth} levels`;
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `key "${key}" is not allowed anywhere in the body`;
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && typeof item === 'object') stack.push({ value: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Decodes and parses an untrusted JSON body: strict UTF-8 (a byte-order mark or an invalid sequence is refused),
 * then bounded nesting and no prototype-pollution keys (see {@link jsonProblem}). V8's JSON.parse copes with any
 * nesting the body bound allows, so depth is checked on the result, which costs ~1 µs instead of a character scan.
 * Throws {@link ValidationError} with field `body`.
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
  const problem = jsonProblem(value);
  if (problem) throw new ValidationError(problem, 'body');
  return value;
}
