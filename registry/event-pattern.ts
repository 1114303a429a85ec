/**
 * EventBridge event patterns (also the syntax of Lambda event source FilterCriteria): exact values,
 * `prefix`, `suffix`, `equals-ignore-case`, `anything-but`, `numeric`, `exists`, `wildcard`, `cidr` and
 * `$or`. Pure. The sandbox uses it where moto does not apply a pattern itself: event source mapping
 * filters, and the reference scenario's "which rules should see this event"; `lsync replay --type` asks which
 * rules can accept a detail-type. One matcher for all of them.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function wildcardToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

function numericMatches(value: unknown, conditions: unknown[]): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok = op === '=' ? value === bound : op === '<' ? value < bound : op === '<=' ? value <= bound : op === '>' ? value > bound : op === '>=' ? value >= bound : false;
    if (!ok) return false;
  }
  return true;
}

function stringMatcher(spec: unknown, value: string, fn: (v: string, s: string) => boolean): boolean {
  if (typeof spec === 'string') return fn(value, spec);
  if (isObject(spec) && typeof spec['equals-ignore-case'] === 'string') return fn(value.toLowerCase(), spec['equals-ignore-case'].toLowerCase());
  return false;
}

/** Does one value (never an array) satisfy one matcher of a pattern array? */
function valueMatches(matcher: unknown, value: unknown, present: boolean): boolean {
  if (!isObject(matcher)) return present && matcher === value;
  if ('exists' in matcher) return matcher.exists === present;
  if (!present) return false;
  if ('prefix' in matcher) return typeof value === 'string' && stringMatcher(matcher.prefix, value, (v, s) => v.startsWith(s));
  if ('suffix' in matcher) return typeof value === 'string' && stringMatcher(matcher.suffix, value, (v, s) => v.endsWith(s));
  if ('equals-ignore-case' in matcher) return typeof value === 'string' && value.toLowerCase() === String(matcher['equals-ignore-case']).toLowerCase();
  if ('wildcard' in matcher) return typeof value === 'string' && wildcardToRegExp(String(matcher.wildcard)).test(value);
  if ('numeric' in matcher) return numericMatches(value, matcher.numeric as unknown[]);
  if ('cidr' in matcher) {
    const [net, bits] = String(matcher.cidr).split('/');
    const ip = typeof value === 'string' ? ipToInt(value) : undefined;
    const base = ipToInt(net ?? '');
    if (ip === undefined || base === undefined) return false;
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return ((ip & mask) >>> 0) === ((base & mask) >>> 0);
  }
  if ('anything-but' in matcher) {
    const but = matcher['anything-but'];
    if (Array.isArray(but)) return !but.some((b) => b === value);
    if (isObject(but)) return !valueMatches(but, value, present);
    return value !== but;
  }
  return false;
}

function fieldMatches(matchers: unknown[], value: unknown, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  // `exists` and `anything-but` look at the field as a whole; other matchers match any element of an array.
  return matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) return valueMatches(matcher, value, present && !(Array.isArray(value) && value.length === 0));
    if (Array.isArray(value) && value.length === 0) return false;
    if (isObject(matcher) && 'anything-but' in matcher) return present && values.every((v) => valueMatches(matcher, v, true));
    return values.some((v) => valueMatches(matcher, v, present));
  });
}

/** True when `event` matches the EventBridge `pattern` (an object, or its JSON text). */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  const p = typeof pattern === 'string' ? (JSON.parse(pattern) as Json) : pattern;
  if (!isObject(p)) throw new Error('an event pattern must be a JSON object');
  return matchObject(p, event);
}

function matchObject(pattern: Record<string, unknown>, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || !rule.some((alt) => isObject(alt) && matchObject(alt, event))) return false;
      continue;
    }
    const present = isObject(event) && Object.hasOwn(event, key) && event[key] !== undefined;
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!fieldMatches(rule, value, present)) return false;
    } else if (isObject(rule)) {
      // A nested pattern on an absent field can only match through `exists: false` inside it.
      if (!matchObject(rule, present ? value : undefined)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Whether a rule's pattern (its EventPattern JSON) can accept an event of `detailType`, considering only the
 * `detail-type` field (`lsync replay --type`): a pattern that does not constrain it accepts every type. An
 * unreadable or absent pattern accepts nothing.
 */
export function patternAcceptsDetailType(pattern: string | undefined, detailType: string): boolean {
  if (!pattern) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch {
    return false;
  }
  if (!isObject(parsed)) return false;
  const condition = parsed['detail-type'];
  if (condition === undefined) return true;
  return matchesPattern({ 'detail-type': condition }, { 'detail-type': detailType });
}
