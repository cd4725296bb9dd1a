/**
 * Helpers for the plain data trees YAML parsing produces. Config sections are walked generically (redaction,
 * secret sealing, reference tracking) because driver configs pass unknown keys through.
 */

/** One step of a path into a parsed YAML tree: a mapping key or a list index. */
export type PathSegment = string | number;

/** A YAML mapping as parsed: a plain object (not a list, a Date or a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Python truthiness, because Anchore selects config sections with `if section:`: an empty mapping, list or
 * string, zero, false and null all count as "absent".
 */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** The value at `path` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof segment === 'number' && Array.isArray(node)) node = node[segment];
    else if (typeof segment === 'string' && isPlainObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

/** `base.a.b[0]`: the YAML path operators see in messages. */
export function formatPath(base: string, path: readonly PropertyKey[]): string {
  let out = base;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** A deep copy of `value` in which every leaf (anything but a mapping or a list) is replaced by `fn(leaf, path)`. */
export function mapLeaves(
  value: unknown,
  fn: (leaf: unknown, path: readonly PathSegment[]) => unknown,
  path: readonly PathSegment[] = [],
): unknown {
  if (Array.isArray(value)) return value.map((item: unknown, i) => mapLeaves(item, fn, [...path, i]));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapLeaves(v, fn, [...path, k])]));
  }
  return fn(value, path);
}

/** Calls `fn` for every leaf of `value` (see {@link mapLeaves}). */
export function forEachLeaf(value: unknown, fn: (leaf: unknown, path: readonly PathSegment[]) => void): void {
  mapLeaves(value, (leaf, path) => {
    fn(leaf, path);
    return leaf;
  });
}
