/**
 * Path patterns shared by routes, fault filters and call-record queries.
 *
 * A string pattern is matched segment by segment against the request path (never the query):
 * - `:name` captures one segment (optionally followed by a literal suffix, e.g. `:id.json`);
 * - `*` matches exactly one segment;
 * - `**` (as the last segment) matches the rest of the path, including nothing;
 * - anything else is literal.
 * A RegExp is tested against the path as is.
 */
export type PathPattern = string | RegExp;

const compiled = new Map<string, RegExp>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileSegment(segment: string): string {
  if (segment === '*') return '[^/]+';
  let out = '';
  let rest = segment;
  for (;;) {
    const match = /:([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (!match) break;
    out += escapeRegExp(rest.slice(0, match.index)) + `(?<${match[1]}>[^/]+?)`;
    rest = rest.slice(match.index + match[0].length);
  }
  return out + escapeRegExp(rest);
}

/** Compiles a string pattern into an anchored RegExp (cached). */
export function compilePattern(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const segments = pattern.replace(/^\/+/, '').split('/');
  let source = '^';
  segments.forEach((segment, index) => {
    if (segment === '**' && index === segments.length - 1) source += '(?:/.*)?';
    else source += '/' + compileSegment(segment);
  });
  const regex = new RegExp(source + '/?$');
  compiled.set(pattern, regex);
  return regex;
}

/** Malformed percent-encoding is kept as is rather than failing the request. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The captured parameters when `path` matches `pattern`, otherwise undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const match = compilePattern(pattern).exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(match.groups ?? {})) params[name] = safeDecode(value);
  return params;
}

export function pathMatches(pattern: PathPattern, path: string): boolean {
  return typeof pattern === 'string' ? matchPath(pattern, path) !== undefined : pattern.test(path);
}
