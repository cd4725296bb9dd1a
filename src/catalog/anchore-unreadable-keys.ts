/**
 * The documents of a selection that Anchore cannot read back through a driver (src/shared/anchore-unreadable-keys),
 * counted in SQL for several drivers in one pass over the selection, with the first few as examples for `plan`.
 */
import type { Pool } from 'pg';
import {
  anchoreUnreadableCharacters,
  anchoreUnreadableReason,
  describeUnreadableReason,
  KEY_FIELDS,
  type DocumentKey,
  type KeyField,
} from '../shared/anchore-unreadable-keys';
import type { Selection } from '../shared/migration';
import { PK_ORDER, selectionWhere } from './pages';

const COLUMNS: Readonly<Record<KeyField, string>> = {
  userId: `"userId"`,
  bucket: 'bucket',
  archiveId: `"archiveId"`,
};

/** A regex bracket expression matching any of `characters`, each written `\uXXXX` so none needs escaping. */
function anyOf(characters: string): string {
  const escaped = [...characters].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `[${escaped.join('')}]`;
}

type CharactersByField = Readonly<Record<KeyField, string>>;

const charactersOf = (driver: string): CharactersByField => ({
  userId: anchoreUnreadableCharacters(driver, 'userId'),
  bucket: anchoreUnreadableCharacters(driver, 'bucket'),
  archiveId: anchoreUnreadableCharacters(driver, 'archiveId'),
});

/** A condition on the key columns; `params` continue after `first - 1` existing ones; undefined when nothing. */
function keyCondition(
  chars: CharactersByField,
  first: number,
): { sql: string; params: string[] } | undefined {
  const terms: string[] = [];
  const params: string[] = [];
  for (const field of KEY_FIELDS) {
    if (chars[field] === '') continue;
    params.push(anyOf(chars[field]));
    terms.push(`${COLUMNS[field]} ~ $${first + params.length - 1}`);
  }
  return terms.length === 0 ? undefined : { sql: `(${terms.join(' OR ')})`, params };
}

/**
 * SQL condition on archive_metadata: the row's key holds a character Anchore's `driver` cannot read back;
 * undefined when the driver has none. `params` continue after `first - 1` existing parameters.
 */
export function anchoreUnreadableWhere(
  driver: string,
  first: number,
): { sql: string; params: string[] } | undefined {
  return keyCondition(charactersOf(driver), first);
}

/** A document Anchore cannot read back, and why (`archiveId contains "?"`). */
export interface AnchoreUnreadableExample extends DocumentKey {
  readonly reason: string;
}

/** How many documents of a selection Anchore's driver cannot read back, and the first few in key order. */
export interface AnchoreUnreadableKeys {
  readonly driver: string;
  readonly count: number;
  readonly examples: readonly AnchoreUnreadableExample[];
}

/**
 * For each of `drivers`, the selected documents Anchore cannot read back through it, and the first `limit` of them
 * in key order: one scan of the selection (a regex per key column; a parallel scan where PostgreSQL offers one),
 * then window counts over the few rows it finds.
 */
export async function findAnchoreUnreadableKeys<const D extends readonly string[]>(
  pool: Pool,
  sel: Selection,
  drivers: D,
  limit = 5,
): Promise<{ -readonly [I in keyof D]: AnchoreUnreadableKeys }> {
  type Result = { -readonly [I in keyof D]: AnchoreUnreadableKeys };
  const where = selectionWhere(sel, 1);
  const union = Object.fromEntries(
    KEY_FIELDS.map((f) => [f, [...new Set(drivers.flatMap((d) => [...charactersOf(d)[f]]))].join('')]),
  ) as Record<KeyField, string>;
  const any = keyCondition(union, where.params.length + 1);
  if (!any) return drivers.map((driver) => ({ driver, count: 0, examples: [] })) as Result;
  const params: unknown[] = [...where.params, ...any.params];
  const flags = drivers.map((driver, i) => {
    const own = anchoreUnreadableWhere(driver, params.length + 1);
    params.push(...(own?.params ?? []));
    return `${own?.sql ?? 'false'} AS f${i}`;
  });
  params.push(limit);
  const each = (sql: (i: number) => string, separator = ', '): string =>
    drivers.map((_, i) => sql(i)).join(separator);
  // OFFSET 0 keeps the scan unordered (ordered by the key, PostgreSQL would walk the whole index); totals are
  // taken below the running counts, so that filtering on the latter cannot cut the former short.
  const res = await pool.query<DocumentKey & Record<string, unknown>>(
    `SELECT * FROM (
       SELECT *, ${each((i) => `count(*) FILTER (WHERE f${i}) OVER (ORDER BY ${PK_ORDER} ROWS UNBOUNDED PRECEDING)::float8 AS r${i}`)}
       FROM (
         SELECT *, ${each((i) => `count(*) FILTER (WHERE f${i}) OVER ()::float8 AS n${i}`)}
         FROM (SELECT bucket, "archiveId", "userId", "documentName", ${flags.join(', ')} FROM archive_metadata
               WHERE ${where.sql} AND ${any.sql} OFFSET 0) hit
       ) totals
     ) ranked
     WHERE ${each((i) => `(f${i} AND r${i} <= $${params.length})`, ' OR ')}
     ORDER BY ${PK_ORDER}`,
    params,
  );
  return drivers.map((driver, i) => ({
    driver,
    count: Number(res.rows[0]?.[`n${i}`] ?? 0),
    // A row may be here as another driver's example only.
    examples: res.rows
      .filter((r) => r[`f${i}`] === true && Number(r[`r${i}`]) <= limit)
      .map((r) => example(driver, r)),
  })) as Result;
}

function example(driver: string, r: DocumentKey): AnchoreUnreadableExample {
  const why = anchoreUnreadableReason(driver, r);
  return {
    userId: r.userId,
    bucket: r.bucket,
    archiveId: r.archiveId,
    reason: why ? describeUnreadableReason(why) : '',
  };
}
