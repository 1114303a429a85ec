import type { MethodSpec, StageSpec, ThrottleSetting } from './specs';

/** How a REST API finds the method of a request, checks its required parameters and throttles it, as API Gateway does. */

/** The parameters a request lacks, as API Gateway names them in its error (`[X-Header, q]`). Pure. */
export function missingParameters(required: readonly string[], request: { headers: Record<string, unknown>; query: URLSearchParams; path: Record<string, string> }): string[] {
  const headerNames = new Set(Object.keys(request.headers).map((h) => h.toLowerCase()));
  const missing: string[] = [];
  for (const parameter of required) {
    const match = /^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(.+)$/.exec(parameter);
    if (!match) continue;
    const [, where, name] = match as unknown as [string, string, string];
    const present = where.endsWith('header') ? headerNames.has(name.toLowerCase()) : where.endsWith('querystring') ? request.query.has(name) : request.path[name] !== undefined;
    if (!present) missing.push(name);
  }
  return missing;
}

interface CompiledRoute {
  readonly method: MethodSpec;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Higher is more specific: static segments beat parameters beat greedy parameters. */
  readonly score: number;
}

function compile(method: MethodSpec): CompiledRoute {
  const names: string[] = [];
  let score = 0;
  const segments = method.resourcePath.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy) {
        names.push(greedy[1]!);
        return '/(.+)';
      }
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        score += 10;
        return '/([^/]+)';
      }
      score += 100;
      return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    })
    .join('');
  return { method, pattern: new RegExp(`^${source || '/'}$`), names, score: score * 10 + segments.length };
}

/** The methods of an API, most specific first: `{name}` and greedy `{proxy+}` path parameters, static segments win. */
export class MethodRouter {
  private readonly routes: CompiledRoute[];

  constructor(methods: readonly MethodSpec[]) {
    this.routes = methods.map(compile).sort((a, b) => b.score - a.score);
  }

  /** The method serving `httpMethod path` (path below the stage; `ANY` matches every method), with its path parameters. */
  match(httpMethod: string, path: string): { method: MethodSpec; params: Record<string, string> } | undefined {
    const method = httpMethod.toUpperCase();
    const normalized = path === '/' ? '/' : path.replace(/\/$/, '');
    for (const route of this.routes) {
      if (route.method.httpMethod !== method && route.method.httpMethod !== 'ANY') continue;
      const m = route.pattern.exec(normalized);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { method: route.method, params };
    }
    return undefined;
  }
}

/** Token bucket, like API Gateway's per-method throttling. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly setting: ThrottleSetting) {
    this.tokens = setting.burstLimit;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.setting.burstLimit, this.tokens + ((now - this.last) / 1000) * this.setting.rateLimit);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The stage's throttling setting for a method: the method's own, else its resource's `*`, else the stage-wide `/*`. */
export function throttleSetting(stage: StageSpec, method: MethodSpec, httpMethod: string): ThrottleSetting | undefined {
  return (
    stage.throttling.get(`${method.resourcePath} ${httpMethod}`) ??
    stage.throttling.get(`${method.resourcePath} *`) ??
    stage.throttling.get(`/* ${httpMethod}`) ??
    stage.throttling.get('/* *')
  );
}
