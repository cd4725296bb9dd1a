/** Which document keys Anchore cannot read back through each driver (anchore-storage.md §11.4). */
import {
  anchoreUnreadableCharacters,
  anchoreUnreadableReason,
  describeUnreadableReason,
  driverLimitsKeys,
  KEY_FIELDS,
  type DocumentKey,
  type KeyField,
} from '../../src/shared/anchore-unreadable-keys';
import { unreadableWarnings } from '../../src/cli/plan';

const doc: DocumentKey = { userId: 'admin', bucket: 'analysis_data', archiveId: 'sha256:ab/docker.io/a:b' };
const withChar = (field: KeyField, c: string): DocumentKey => ({ ...doc, [field]: `x${c}y` });

/**
 * The characters Python 3.11's urllib.parse, as anchore-engine f5ffac25's drivers use it, could not read back
 * (generated once by round-tripping every ASCII character, some Unicode and the NFKC lookalikes of `/?#@:`
 * through each driver's uri_for and _parse_uri).
 */
const URL = '\t\n\r#?';
const HOST_LOOKALIKES =
  '\u2047\u2048\u2049\u2100\u2101\u2105\u2106\u2a74\ufe13\ufe16\ufe55\ufe56\ufe5f\ufe6b\uff03\uff0f\uff1a\uff1f\uff20';
const PYTHON_UNREADABLE: Record<string, Record<KeyField, string>> = {
  db: { userId: `${URL}/[]${HOST_LOOKALIKES}`, bucket: `${URL}/`, archiveId: URL },
  db2: { userId: `${URL}/[]${HOST_LOOKALIKES}`, bucket: `${URL}/`, archiveId: URL },
  s3: { userId: URL, bucket: URL, archiveId: URL },
  swift: { userId: URL, bucket: URL, archiveId: URL },
  localfs: { userId: '', bucket: URL, archiveId: '' },
};
const CANDIDATES = [
  ...Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)),
  ...'é文\u2028\u0085\ufeff',
  ...HOST_LOOKALIKES,
];

describe.each(Object.keys(PYTHON_UNREADABLE))('%s', (driver) => {
  test.each(KEY_FIELDS)('%s: exactly the characters Python could not read back', (field) => {
    const expected = PYTHON_UNREADABLE[driver]?.[field] ?? '';
    const unreadable = CANDIDATES.filter((c) => anchoreUnreadableReason(driver, withChar(field, c)));
    expect(unreadable.join('')).toBe(inCandidateOrder(expected));
  });
});

/** `expected` in CANDIDATES order, so a failure shows which character differs. */
function inCandidateOrder(expected: string): string {
  return CANDIDATES.filter((c) => expected.includes(c)).join('');
}

test('an ordinary key is readable through every driver, and an unknown driver limits nothing', () => {
  for (const driver of ['db', 'db2', 's3', 'swift', 'localfs']) {
    expect(anchoreUnreadableReason(driver, doc)).toBeUndefined();
  }
  expect(anchoreUnreadableReason('memory', withChar('archiveId', '?'))).toBeUndefined();
  expect(anchoreUnreadableCharacters('constructor', 'userId')).toBe('');
});

test('the reason names the field and the first offending character, userId before bucket before archiveId', () => {
  expect(anchoreUnreadableReason('s3', { ...doc, archiveId: 'a#b?c' })).toEqual({
    field: 'archiveId',
    character: '#',
  });
  expect(anchoreUnreadableReason('db', { userId: 'a/b', bucket: 'x', archiveId: 'q?' })).toEqual({
    field: 'userId',
    character: '/',
  });
  // `/` is fine in an s3 or localfs key and in a db archiveId: only db/db2 split userId and bucket on it.
  expect(anchoreUnreadableReason('s3', { userId: 'a/b', bucket: 'c/d', archiveId: 'e/f' })).toBeUndefined();
  expect(anchoreUnreadableReason('localfs', { userId: 'a?', bucket: 'b', archiveId: 'c#' })).toBeUndefined();
  expect(anchoreUnreadableReason('localfs', { ...doc, bucket: 'b?' })).toEqual({
    field: 'bucket',
    character: '?',
  });
});

test('reasons read well: quoted characters, named control characters, code points for lookalikes', () => {
  expect(describeUnreadableReason({ field: 'archiveId', character: '?' })).toBe('archiveId contains "?"');
  expect(describeUnreadableReason({ field: 'userId', character: '\t' })).toBe('userId contains a tab');
  expect(describeUnreadableReason({ field: 'bucket', character: '\n' })).toBe('bucket contains a line feed');
  expect(describeUnreadableReason({ field: 'archiveId', character: '\r' })).toBe(
    'archiveId contains a carriage return',
  );
  expect(describeUnreadableReason({ field: 'userId', character: '\uff0f' })).toBe(
    'userId contains "\uff0f" (U+FF0F)',
  );
});

test('db, db2, s3 and swift limit keys; localfs does not', () => {
  expect(['db', 'db2', 's3', 'swift', 'localfs', 'memory'].filter(driverLimitsKeys)).toEqual([
    'db',
    'db2',
    's3',
    'swift',
  ]);
});

describe('plan warnings', () => {
  const example = {
    userId: 'admin',
    bucket: 'analysis_data',
    archiveId: 'bad?key',
    reason: 'archiveId contains "?"',
  };
  const none = (driver: string) => ({ driver, count: 0, examples: [] });

  test('none when no document is affected', () => {
    expect(unreadableWarnings(none('db'), none('s3'))).toEqual([]);
  });

  test('destination s3: count, byte-exact, what to do, examples and how many more', () => {
    const w = unreadableWarnings(none('localfs'), { driver: 's3', count: 7, examples: [example] });
    expect(w).toHaveLength(3);
    expect(w[0]).toMatch(/^7 document\(s\) have a key that Anchore's s3 driver cannot read back/);
    expect(w[0]).toContain(
      'migrate moves them byte-exact, but Anchore cannot read them back from the destination.',
    );
    expect(w[0]).toContain('Rename or re-create these documents in Anchore, or keep them on localfs');
    expect(w[1]).toBe('  userId "admin" bucket "analysis_data" archiveId "bad?key": archiveId contains "?"');
    expect(w[2]).toBe('  … and 6 more');
  });

  test('the same documents at a db source and an s3 destination: one warning naming both', () => {
    const k = { count: 1, examples: [example] };
    const w = unreadableWarnings({ driver: 'db', ...k }, { driver: 's3', ...k });
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('cannot read them back from the destination (nor from db today)');
  });

  test('source only (to localfs): Anchore cannot read them today and can after the move', () => {
    const w = unreadableWarnings({ driver: 's3', count: 1, examples: [example] }, none('localfs'));
    expect(w[0]).toBe(
      "1 document(s) have a key that Anchore's s3 driver cannot read back: Anchore cannot read them at the " +
        'source today. migrate moves them byte-exact; at the destination (localfs) Anchore can read them.',
    );
    expect(w[1]).toContain('"bad?key"');
  });

  test('control characters in examples stay on one line', () => {
    const tab = { ...example, archiveId: 'a\tb\nc', reason: 'archiveId contains a tab' };
    const w = unreadableWarnings(none('localfs'), { driver: 'db2', count: 1, examples: [tab] });
    expect(w[1]).toBe(
      '  userId "admin" bucket "analysis_data" archiveId "a\\tb\\nc": archiveId contains a tab',
    );
  });
});
