/** SELECT lists of our row types, so every statement reads a table's columns the same way. */

/**
 * `columns` of the table aliased `t` (when given) as a SELECT list; the `bigints` among them are read as float8
 * under their own names (node-pg returns bigint as a string).
 */
export function selectList(columns: readonly string[], bigints: ReadonlySet<string>, t?: string): string {
  const c = (name: string): string => (t ? `${t}.${name}` : name);
  return columns.map((name) => (bigints.has(name) ? `${c(name)}::float8 AS ${name}` : c(name))).join(', ');
}
