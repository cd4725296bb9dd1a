/**
 * Reading rows with `COPY (SELECT …) TO STDOUT (FORMAT binary)`: every field arrives as its raw bytes (text as
 * UTF-8, bytea as is), streamed into a Buffer of the field's exact length as the socket delivers it. A normal
 * query instead makes node-pg gather each row whole, decode every field to a string (bytea as hex) and leave
 * both as garbage, at more than twice the client CPU per body, and held a large body about three times
 * (docs/adr/0004).
 * COPY takes no bind parameters: callers put values into the SQL with {@link sqlArray} only.
 */
import type { Pool, PoolClient } from 'pg';
import { escapeLiteral } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyFormatError } from '../errors';
import { throwIfAborted } from './util';

/** A row's fields in select order; NULL is null. */
export type CopyRow = Array<Buffer | null>;

/** A text[] literal of `values`, each escaped as a string literal, cast to `type`. */
export function sqlArray(values: readonly string[], type = 'varchar[]'): string {
  return `ARRAY[${values.map(escapeLiteral).join(',')}]::${type}`;
}

// PGCOPY\n\377\r\n\0, then the flags and header-extension lengths (int32 each).
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/**
 * A push parser of the binary COPY format: feed it the stream's chunks in order, then call `end`. Rows are
 * handed to `onRow` as soon as their last field is complete. A field within one chunk is a view of it; one that
 * spans chunks is copied once, into its own Buffer.
 */
export function createCopyBinaryParser(onRow: (row: CopyRow) => void): {
  push(chunk: Buffer): void;
  end(): void;
} {
  // Fixed-size pieces (header, counts, lengths) may straddle chunks: they are gathered in `small`.
  let small = Buffer.alloc(0);
  let state: 'header' | 'count' | 'length' | 'data' | 'trailer' = 'header';
  let fields = 0;
  let row: CopyRow = [];
  let field: Buffer = Buffer.alloc(0);
  let filled = 0;

  const finishField = (value: Buffer | null): void => {
    row.push(value);
    if (row.length < fields) {
      state = 'length';
      return;
    }
    onRow(row);
    row = [];
    state = 'count';
  };

  /** Takes `n` bytes from the chunk at `at` into `small`; returns them once all have arrived. */
  const take = (chunk: Buffer, at: number, n: number): { bytes?: Buffer; used: number } => {
    const used = Math.min(n - small.length, chunk.length - at);
    small = Buffer.concat([small, chunk.subarray(at, at + used)]);
    if (small.length < n) return { used };
    const bytes = small;
    small = Buffer.alloc(0);
    return { bytes, used };
  };

  return {
    push(chunk) {
      let at = 0;
      while (at < chunk.length) {
        if (state === 'trailer') throw new CopyFormatError('data after the end of the COPY stream');
        if (state === 'data') {
          const n = Math.min(field.length - filled, chunk.length - at);
          chunk.copy(field, filled, at, at + n);
          filled += n;
          at += n;
          if (filled === field.length) finishField(field);
          continue;
        }
        const size = state === 'header' ? HEADER_BYTES : state === 'count' ? 2 : 4;
        const { bytes, used } = take(chunk, at, size);
        at += used;
        if (!bytes) continue;
        if (state === 'header') {
          if (!bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE))
            throw new CopyFormatError('not a binary COPY stream (signature)');
          if (bytes.readUInt32BE(SIGNATURE.length + 4) !== 0)
            throw new CopyFormatError('binary COPY header extensions are not supported');
          state = 'count';
        } else if (state === 'count') {
          fields = bytes.readInt16BE(0);
          if (fields === -1) state = 'trailer';
          else if (fields <= 0) throw new CopyFormatError(`binary COPY row with ${fields} fields`);
          else state = 'length';
        } else {
          const length = bytes.readInt32BE(0);
          if (length === -1) {
            finishField(null);
          } else if (length <= chunk.length - at) {
            // Whole in this chunk: a view, not a copy (the chunk is this COPY's own and read once).
            at += length;
            finishField(chunk.subarray(at - length, at));
          } else {
            field = Buffer.allocUnsafe(length);
            filled = 0;
            state = 'data';
          }
        }
      }
    },
    end() {
      if (state !== 'trailer') throw new CopyFormatError('binary COPY stream ended early');
    },
  };
}

/** Runs `COPY (select) TO STDOUT (FORMAT binary)` on a client of the pool and returns its rows. */
export async function copyRows(pool: Pool, select: string, signal?: AbortSignal): Promise<CopyRow[]> {
  throwIfAborted(signal);
  const client: PoolClient = await pool.connect();
  const rows: CopyRow[] = [];
  let broken: Error | undefined;
  // A dropped connection (a network cut, a failover) emits 'error' on the client, not only on the stream:
  // without a listener that event would end the worker process instead of this read.
  let onLost: (err: Error) => void = (err) => {
    broken ??= err;
  };
  const lost = (err: Error): void => onLost(err);
  client.on('error', lost);
  try {
    const parser = createCopyBinaryParser((r) => rows.push(r));
    await new Promise<void>((resolve, reject) => {
      onLost = (err) => {
        broken ??= err;
        reject(err);
      };
      if (broken) return reject(broken);
      const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
      stream.on('data', (chunk: Buffer) => {
        try {
          parser.push(chunk);
        } catch (err) {
          broken = err as Error;
          stream.destroy(broken);
        }
      });
      stream.on('error', reject);
      stream.on('end', () => {
        try {
          parser.end();
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    return rows;
  } catch (err) {
    broken ??= err as Error;
    throw err;
  } finally {
    // A connection left mid-COPY cannot serve the next query: it is closed, not returned. The listener stays:
    // a destroyed connection may still report its error after the release.
    client.release(broken);
    if (!broken) client.removeListener('error', lost);
  }
}
