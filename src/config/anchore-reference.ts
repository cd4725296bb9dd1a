/**
 * What a `${ANCHORE...}` reference looks like, apart from substitute.ts so that the secret registry (loaded into
 * the workflow sandbox by the failure converter) can tell references from secrets without importing node:fs.
 */

const ONLY_REFERENCES = /^(?:\$\{ANCHORE[^}]*\})+$/;

/**
 * True when `value` is a string made only of `${ANCHORE...}` references (e.g. `${ANCHORE_S3_SECRET}`).
 * Such a value names a secret without holding it; a value that mixes literal text in is not a reference.
 */
export function isAnchoreReference(value: unknown): value is string {
  return typeof value === 'string' && ONLY_REFERENCES.test(value);
}
