/**
 * JSON documents as trees the hostile-input generators can bend out of shape: objects keep their members as a
 * list (so a key can appear twice), and every leaf is printed verbatim (so a number no double holds, `-0` or
 * invalid UTF-8 bytes reach the handler exactly as a hostile sender would write them).
 */

export type Node =
  /** A leaf printed as is: JSON text (`1e400`, `"x"`) or raw bytes (invalid UTF-8 inside a string). */
  | { readonly t: 'raw'; readonly text: string | Buffer }
  | { readonly t: 'arr'; readonly items: Node[] }
  /** Members in order; the same key may appear more than once. */
  | { readonly t: 'obj'; entries: [string, Node][] };

export type PathStep = string | number;
export type Path = readonly PathStep[];

export const raw = (text: string | Buffer): Node => ({ t: 'raw', text });

/** The tree of a JSON value (as JSON.stringify would print it, undefined members dropped). */
export function fromValue(value: unknown): Node {
  if (Array.isArray(value)) return { t: 'arr', items: value.map((v) => fromValue(v === undefined ? null : v)) };
  if (value !== null && typeof value === 'object') {
    return { t: 'obj', entries: Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, fromValue(v)]) };
  }
  return raw(JSON.stringify(value));
}

/** The bytes of a tree: what is signed and sent. */
export function print(node: Node): Buffer {
  const chunks: Buffer[] = [];
  const walk = (n: Node) => {
    if (n.t === 'raw') {
      chunks.push(Buffer.isBuffer(n.text) ? n.text : Buffer.from(n.text, 'utf8'));
    } else if (n.t === 'arr') {
      chunks.push(Buffer.from('['));
      n.items.forEach((item, i) => {
        if (i > 0) chunks.push(Buffer.from(','));
        walk(item);
      });
      chunks.push(Buffer.from(']'));
    } else {
      chunks.push(Buffer.from('{'));
      n.entries.forEach(([key, item], i) => {
        chunks.push(Buffer.from(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
        walk(item);
      });
      chunks.push(Buffer.from('}'));
    }
  };
  walk(node);
  return Buffer.concat(chunks);
}

/** Every path of a tree, the root (`[]`) first, with the node there. */
export function paths(node: Node, at: Path = []): { path: Path; node: Node }[] {
  const out: { path: Path; node: Node }[] = [{ path: at, node }];
  if (node.t === 'arr') node.items.forEach((item, i) => out.push(...paths(item, [...at, i])));
  if (node.t === 'obj') for (const [key, item] of node.entries) out.push(...paths(item, [...at, key]));
  return out;
}

/** The node at `path` (the first member of a repeated key), or undefined. */
export function at(node: Node, path: Path): Node | undefined {
  let here: Node | undefined = node;
  for (const step of path) {
    if (here?.t === 'arr' && typeof step === 'number') here = here.items[step];
    else if (here?.t === 'obj' && typeof step === 'string') here = here.entries.find(([k]) => k === step)?.[1];
    else return undefined;
  }
  return here;
}

function clone(node: Node): Node {
  if (node.t === 'raw') return node;
  if (node.t === 'arr') return { t: 'arr', items: node.items.map(clone) };
  return { t: 'obj', entries: node.entries.map(([k, v]) => [k, clone(v)]) };
}

/**
 * A copy of the tree with `change` applied to the parent of `path` (the last step names the child), or
 * undefined when the path no longer exists (an earlier mutation removed or replaced it).
 */
export function edit(root: Node, path: Path, change: (parent: Node, step: PathStep) => boolean): Node | undefined {
  if (path.length === 0) return undefined;
  const copy = clone(root);
  const parent = at(copy, path.slice(0, -1));
  if (!parent || parent.t === 'raw') return undefined;
  return change(parent, path[path.length - 1]) ? copy : undefined;
}

/** Replaces the node at `path` (the root when `path` is empty). */
export function replace(root: Node, path: Path, value: Node): Node | undefined {
  if (path.length === 0) return value;
  return edit(root, path, (parent, step) => {
    if (parent.t === 'arr' && typeof step === 'number' && step < parent.items.length) {
      parent.items[step] = value;
      return true;
    }
    if (parent.t === 'obj' && typeof step === 'string') {
      const entry = parent.entries.find(([k]) => k === step);
      if (entry) entry[1] = value;
      return entry !== undefined;
    }
    return false;
  });
}

/** Removes the member or item at `path`. */
export function remove(root: Node, path: Path): Node | undefined {
  return edit(root, path, (parent, step) => {
    if (parent.t === 'arr' && typeof step === 'number' && step < parent.items.length) {
      parent.items.splice(step, 1);
      return true;
    }
    if (parent.t === 'obj' && typeof step === 'string') {
      const before = parent.entries.length;
      parent.entries = parent.entries.filter(([k]) => k !== step);
      return parent.entries.length < before;
    }
    return false;
  });
}

/** Adds a member to the object at `path` (`first`: before the others), whether or not the key already exists. */
export function addMember(root: Node, path: Path, key: string, value: Node, first: boolean): Node | undefined {
  const copy = clone(root);
  const target = at(copy, path);
  if (target?.t !== 'obj') return undefined;
  if (first) target.entries.unshift([key, value]);
  else target.entries.push([key, value]);
  return copy;
}

/** Whether some object of the tree has a key twice (what JSON.parse would silently collapse). */
export function hasDuplicateKey(node: Node): boolean {
  if (node.t === 'raw') return false;
  if (node.t === 'arr') return node.items.some(hasDuplicateKey);
  const keys = node.entries.map(([k]) => k);
  return new Set(keys).size !== keys.length || node.entries.some(([, v]) => hasDuplicateKey(v));
}

/** Field paths (as the intake names fields: `data.route.stops[0].id`) of every repeated key. */
export function duplicateKeyFields(node: Node, prefix = ''): string[] {
  if (node.t === 'raw') return [];
  if (node.t === 'arr') return node.items.flatMap((item, i) => duplicateKeyFields(item, `${prefix}[${i}]`));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [key, value] of node.entries) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (seen.has(key)) out.push(field || '(root)');
    seen.add(key);
    out.push(...duplicateKeyFields(value, field));
  }
  return out;
}

/** Readable form of a path for failure reports. */
export const showPath = (path: Path) => (path.length === 0 ? '(root)' : path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, ''));

/**
 * The fields of every repeated member name in a JSON text, found by a small recursive-descent parser of its own
 * (the reference for the intake's scanner; called only on text JSON.parse accepted and nesting ≤ 32 levels). A
 * repeated empty name at the top level is named `(root)`, as the intake names fields there.
 */
export function repeatedMemberFields(text: string): string[] {
  let i = 0;
  const out: string[] = [];
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  const space = () => {
    while (isSpace(text.charCodeAt(i))) i++;
  };
  const string = (): string => {
    const start = i++;
    for (let c = text.charCodeAt(i); c !== 0x22; c = text.charCodeAt(i)) i += c === 0x5c ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // The path is built only when a repeated name is found: most bodies have none, and big arrays have many items.
  const path: PathStep[] = [];
  const field = () => path.reduce<string>((f, step) => (typeof step === 'number' ? `${f}[${step}]` : f ? `${f}.${step}` : step), '');
  const value = (): void => {
    space();
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      i++;
      const seen = new Set<string>();
      space();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        space();
        const key = string();
        path.push(key);
        if (seen.has(key)) out.push(field() || '(root)');
        seen.add(key);
        space();
        i++; // the colon
        value();
        path.pop();
        space();
        if (text.charCodeAt(i++) === 0x7d) return;
      }
    }
    if (c === 0x5b /* [ */) {
      i++;
      space();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        path.push(index);
        value();
        path.pop();
        space();
        if (text.charCodeAt(i++) === 0x5d) return;
      }
    }
    if (c === 0x22) {
      string();
      return;
    }
    // A number or a literal: up to the next delimiter.
    for (let d = text.charCodeAt(i); i < text.length && d !== 0x2c && d !== 0x5d && d !== 0x7d && !isSpace(d); d = text.charCodeAt(i)) i++;
  };
  value();
  return out;
}
