/**
 * Document keys that Anchore itself cannot read back through a driver (anchore-storage.md §11.4). Anchore builds a
 * content URL by concatenation and reads it back with Python's `urllib.parse.urlparse`, which cuts the URL at `?`
 * (query) and `#` (fragment) and deletes tabs, CRs and LFs; `db`/`db2` also take the userId from the URL's host
 * (it ends at `/`, and `[` or `]` make it an invalid IPv6 host) and split bucket from key at the first `/`.
 * `localfs` names files by md5 of userId and key, so only its bucket is in the path. We still move such documents
 * byte-exact; this only says which ones Anchore will not find. Pure: no I/O, workflow-safe.
 */

/** The parts of a document's key that appear in its content URL. */
export type KeyField = 'userId' | 'bucket' | 'archiveId';

export const KEY_FIELDS: readonly KeyField[] = ['userId', 'bucket', 'archiveId'];

/** A document's key as archive_metadata holds it. */
export interface DocumentKey {
  readonly userId: string;
  readonly bucket: string;
  readonly archiveId: string;
}

/** Characters urlparse cuts the URL at or deletes from it, whatever the driver. */
const URL_BREAKING = '?#\t\r\n';

/** Characters whose NFKC form holds `/`, `?`, `#`, `@` or `:`: Python refuses them in a URL's host (db/db2 userId). */
const HOST_LOOKALIKES =
  '\u2047\u2048\u2049\u2100\u2101\u2105\u2106\u2a74\ufe13\ufe16\ufe55\ufe56\ufe5f\ufe6b\uff03\uff0f\uff1a\uff1f\uff20';

/** The characters of a db/db2 userId that break its read-back: the host ends at `/`, `[`/`]` make it IPv6. */
const HOST_BREAKING = `${URL_BREAKING}/[]${HOST_LOOKALIKES}`;

/** For each driver whose URLs Anchore parses, the characters of each key field that break the read-back. */
const UNREADABLE_CHARACTERS: ReadonlyMap<string, Readonly<Record<KeyField, string>>> = new Map([
  ['db', { userId: HOST_BREAKING, bucket: `${URL_BREAKING}/`, archiveId: URL_BREAKING }],
  ['db2', { userId: HOST_BREAKING, bucket: `${URL_BREAKING}/`, archiveId: URL_BREAKING }],
  ['s3', { userId: URL_BREAKING, bucket: URL_BREAKING, archiveId: URL_BREAKING }],
  ['swift', { userId: URL_BREAKING, bucket: URL_BREAKING, archiveId: URL_BREAKING }],
  ['localfs', { userId: '', bucket: URL_BREAKING, archiveId: '' }],
]);

/** The characters of `field` that Anchore's `driver` cannot read back ('' when none; unknown drivers: none). */
export function anchoreUnreadableCharacters(driver: string, field: KeyField): string {
  return UNREADABLE_CHARACTERS.get(driver)?.[field] ?? '';
}

/**
 * Whether Anchore's `driver` cannot read back some document keys: true for db, db2, s3 and swift, whose URLs
 * carry the key as written. (localfs only for a bucket name with such a character, which Anchore never makes.)
 */
export function driverLimitsKeys(driver: string): boolean {
  return ['db', 'db2', 's3', 'swift'].includes(driver);
}

/** Why Anchore cannot read a document back: the first offending character and the field it is in. */
export interface UnreadableKeyReason {
  readonly field: KeyField;
  readonly character: string;
}

/** Why Anchore's `driver` could not read `doc` back, or undefined when it can. */
export function anchoreUnreadableReason(driver: string, doc: DocumentKey): UnreadableKeyReason | undefined {
  for (const field of KEY_FIELDS) {
    const bad = anchoreUnreadableCharacters(driver, field);
    const character = [...doc[field]].find((c) => bad.includes(c));
    if (character !== undefined) return { field, character };
  }
  return undefined;
}

const CHARACTER_NAMES: Readonly<Record<string, string>> = {
  '\t': 'a tab',
  '\r': 'a carriage return',
  '\n': 'a line feed',
};

/** `archiveId contains "?"`, `userId contains a tab`, `userId contains "／" (U+FF0F)`: one line. */
export function describeUnreadableReason(r: UnreadableKeyReason): string {
  const code = r.character.charCodeAt(0);
  const name =
    CHARACTER_NAMES[r.character] ??
    (code < 0x80 ? `"${r.character}"` : `"${r.character}" (U+${code.toString(16).toUpperCase()})`);
  return `${r.field} contains ${name}`;
}
