/**
 * CloudFormation intrinsic functions, evaluated against a deployment: the sandbox runtime reads the
 * template (function environments, event source mappings, API methods, state machine substitutions) and
 * resolves it to the emulator's physical ids with these. Pure: every lookup goes through the context.
 */

/** Lookups the resolver needs; `ref`/`getAtt` throw {@link UnresolvableError} for what they cannot answer. */
export interface IntrinsicContext {
  /** `Ref` of a resource or parameter (pseudo parameters are answered from `pseudo`). */
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  readonly pseudo: Readonly<Record<string, string>>;
  /** Template `Conditions` block (evaluated lazily). */
  readonly conditions?: Readonly<Record<string, unknown>>;
  readonly mappings?: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
}

export class UnresolvableError extends Error {
  override readonly name = 'UnresolvableError';
}

/** Marker for `Ref: AWS::NoValue`: the enclosing property or list element disappears. */
const NO_VALUE = Symbol('AWS::NoValue');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? key : undefined;
}

/** A reference found in a template value: `Ref` (attribute undefined) or `Fn::GetAtt`. */
export interface Reference {
  readonly logicalId: string;
  readonly attribute?: string;
}

const SUB_VARIABLE = /\$\{([^}!][^}]*)\}/g;

function subReferences(template: string, locals: ReadonlySet<string>): Reference[] {
  const refs: Reference[] = [];
  for (const match of template.matchAll(SUB_VARIABLE)) {
    const name = match[1]!.trim();
    if (locals.has(name) || name.startsWith('AWS::')) continue;
    const dot = name.indexOf('.');
    refs.push(dot === -1 ? { logicalId: name } : { logicalId: name.slice(0, dot), attribute: name.slice(dot + 1) });
  }
  return refs;
}

/** Every `Ref`/`Fn::GetAtt` (also inside `Fn::Sub` strings) in a template value, pseudo parameters excluded. */
export function collectReferences(value: unknown, out: Reference[] = []): Reference[] {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, out);
    return out;
  }
  if (!isObject(value)) return out;
  const fn = intrinsicName(value);
  if (fn === 'Ref' && typeof value.Ref === 'string') {
    if (!value.Ref.startsWith('AWS::')) out.push({ logicalId: value.Ref });
    return out;
  }
  if (fn === 'Fn::GetAtt') {
    const [logicalId, attribute] = getAttArgs(value['Fn::GetAtt']);
    out.push({ logicalId, attribute: typeof attribute === 'string' ? attribute : undefined });
    if (typeof attribute !== 'string') collectReferences(attribute, out);
    return out;
  }
  if (fn === 'Fn::Sub') {
    const arg = value['Fn::Sub'];
    const [template, vars] = Array.isArray(arg) ? [arg[0] as string, (arg[1] ?? {}) as Record<string, unknown>] : [arg as string, {}];
    out.push(...subReferences(template, new Set(Object.keys(vars))));
    collectReferences(vars, out);
    return out;
  }
  for (const item of Object.values(value)) collectReferences(item, out);
  return out;
}

function getAttArgs(arg: unknown): [string, unknown] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  if (Array.isArray(arg) && typeof arg[0] === 'string') return [arg[0], arg[1]];
  throw new UnresolvableError(`malformed Fn::GetAtt ${JSON.stringify(arg)}`);
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnresolvableError(`${where} expects a string, got ${JSON.stringify(value)}`);
}

function asList(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new UnresolvableError(`${where} expects a list, got ${JSON.stringify(value)}`);
}

/**
 * Resolves every intrinsic function in `value`. Supports Ref (with pseudo parameters and AWS::NoValue),
 * Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or,
 * Condition, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::ToJsonString and Fn::Length.
 * Throws {@link UnresolvableError} naming what it could not resolve (e.g. Fn::ImportValue).
 */
export function resolveIntrinsics(value: unknown, context: IntrinsicContext): unknown {
  const conditionCache = new Map<string, boolean>();

  const condition = (name: string): boolean => {
    const cached = conditionCache.get(name);
    if (cached !== undefined) return cached;
    const definition = context.conditions?.[name];
    if (definition === undefined) throw new UnresolvableError(`unknown condition ${name}`);
    const result = Boolean(resolve(definition));
    conditionCache.set(name, result);
    return result;
  };

  const ref = (name: string): unknown => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name.startsWith('AWS::')) {
      const pseudo = context.pseudo[name];
      if (pseudo === undefined) throw new UnresolvableError(`unknown pseudo parameter ${name}`);
      return pseudo;
    }
    return context.ref(name);
  };

  const sub = (template: string, vars: Record<string, unknown>): string =>
    template.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      if (Object.hasOwn(vars, name)) return asString(vars[name], `Fn::Sub variable ${name}`);
      if (name.startsWith('AWS::')) return asString(ref(name), `Fn::Sub ${whole}`);
      const dot = name.indexOf('.');
      return asString(dot === -1 ? ref(name) : context.getAtt(name.slice(0, dot), name.slice(dot + 1)), `Fn::Sub ${whole}`);
    });

  function resolve(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(resolve).filter((item) => item !== NO_VALUE);
    if (!isObject(node)) return node;
    const fn = intrinsicName(node);
    if (fn === undefined) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        const resolved = resolve(item);
        if (resolved !== NO_VALUE) out[key] = resolved;
      }
      return out;
    }
    const arg = node[fn];
    switch (fn) {
      case 'Ref':
        return ref(asString(arg, 'Ref'));
      case 'Condition':
        return condition(asString(arg, 'Condition'));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = getAttArgs(arg);
        return context.getAtt(logicalId, asString(resolve(attribute), 'Fn::GetAtt attribute'));
      }
      case 'Fn::Join': {
        const [delimiter, items] = asList(arg, 'Fn::Join');
        return asList(resolve(items), 'Fn::Join list')
          .map((item) => asString(item, 'Fn::Join item'))
          .join(asString(delimiter, 'Fn::Join delimiter'));
      }
      case 'Fn::Sub': {
        if (typeof arg === 'string') return sub(arg, {});
        const [template, vars] = asList(arg, 'Fn::Sub');
        return sub(asString(template, 'Fn::Sub template'), (resolve(vars ?? {}) as Record<string, unknown>) ?? {});
      }
      case 'Fn::Select': {
        const [index, list] = asList(arg, 'Fn::Select');
        const items = asList(resolve(list), 'Fn::Select list');
        const i = Number(resolve(index));
        if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new UnresolvableError(`Fn::Select index ${i} out of range`);
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = asList(arg, 'Fn::Split');
        return asString(resolve(source), 'Fn::Split source').split(asString(delimiter, 'Fn::Split delimiter'));
      }
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = asList(arg, 'Fn::If');
        return resolve(condition(asString(name, 'Fn::If condition')) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = asList(arg, 'Fn::Equals').map(resolve);
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !resolve(asList(arg, 'Fn::Not')[0]);
      case 'Fn::And':
        return asList(arg, 'Fn::And').every((item) => Boolean(resolve(item)));
      case 'Fn::Or':
        return asList(arg, 'Fn::Or').some((item) => Boolean(resolve(item)));
      case 'Fn::FindInMap': {
        const [map, top, second] = asList(arg, 'Fn::FindInMap').map(resolve);
        const found = context.mappings?.[asString(map, 'map')]?.[asString(top, 'key')]?.[asString(second, 'key')];
        if (found === undefined) throw new UnresolvableError(`Fn::FindInMap ${JSON.stringify(arg)} has no value`);
        return found;
      }
      case 'Fn::Base64':
        return Buffer.from(asString(resolve(arg), 'Fn::Base64'), 'utf8').toString('base64');
      case 'Fn::GetAZs': {
        const region = asString(resolve(arg), 'Fn::GetAZs') || context.pseudo['AWS::Region']!;
        return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(resolve(arg));
      case 'Fn::Length':
        return asList(resolve(arg), 'Fn::Length').length;
      default:
        throw new UnresolvableError(`${fn} is not supported by the sandbox (${JSON.stringify(node).slice(0, 200)})`);
    }
  }

  const result = resolve(value);
  return result === NO_VALUE ? undefined : result;
}

/**
 * Replaces references to the given resources with literal values (used to strip resources out of the
 * template sent to the emulator). `replacement` returns the literal for a reference.
 */
export function replaceReferences(value: unknown, targets: ReadonlySet<string>, replacement: (reference: Reference) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => replaceReferences(item, targets, replacement));
  if (!isObject(value)) return value;
  const fn = intrinsicName(value);
  if (fn === 'Ref' && typeof value.Ref === 'string' && targets.has(value.Ref)) return replacement({ logicalId: value.Ref });
  if (fn === 'Fn::GetAtt') {
    const [logicalId, attribute] = getAttArgs(value['Fn::GetAtt']);
    if (targets.has(logicalId) && typeof attribute === 'string') return replacement({ logicalId, attribute });
  }
  if (fn === 'Fn::Sub') {
    const arg = value['Fn::Sub'];
    const [template, vars] = Array.isArray(arg) ? [arg[0] as string, (arg[1] ?? {}) as Record<string, unknown>] : [arg as string, undefined];
    const locals = new Set(Object.keys(vars ?? {}));
    const replaced = template.replace(SUB_VARIABLE, (whole, inner: string) => {
      const name = inner.trim();
      if (locals.has(name)) return whole;
      const dot = name.indexOf('.');
      const reference = dot === -1 ? { logicalId: name } : { logicalId: name.slice(0, dot), attribute: name.slice(dot + 1) };
      return targets.has(reference.logicalId) ? replacement(reference) : whole;
    });
    return { 'Fn::Sub': vars === undefined ? replaced : [replaced, replaceReferences(vars, targets, replacement)] };
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = replaceReferences(item, targets, replacement);
  return out;
}
