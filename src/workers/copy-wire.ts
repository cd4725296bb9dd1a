/**
 * The messages between a worker and its copy threads, and errors across them: structured cloning keeps only
 * the standard error names, and activities classify failures by name (retryable or not, the document's code).
 */
import type { ArchiveMetadataRow } from '../catalog';
import type { CopyRound } from '../activities/copy-round';
import type { PortableStore } from '../shared/migration';

/** What a copy thread starts with. */
export interface CopyThreadData {
  readonly dbUrl: string;
  /** Catalog sessions of its pool (a db/db2 source reads with one per chunk in flight). */
  readonly connections: number;
}

export type ToThread =
  | {
      readonly type: 'copy';
      readonly id: number;
      readonly rows: readonly ArchiveMetadataRow[];
      readonly from: PortableStore;
      readonly to: PortableStore;
    }
  | { readonly type: 'cancel'; readonly id: number }
  | { readonly type: 'close' };

export type FromThread =
  | {
      readonly type: 'done';
      readonly id: number;
      /** The round without its `interrupted` error, which crosses as `interrupted` here. */
      readonly round: Omit<CopyRound, 'interrupted'>;
      readonly interrupted?: WireError;
      readonly busy: number;
    }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError; readonly busy: number };

/** An error's name, message and primitive fields (codes, statuses), and its cause's, as plain data. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly fields: Record<string, string | number | boolean>;
  readonly cause?: WireError;
}

export function toWire(err: unknown, depth = 0): WireError {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & Record<string, unknown>;
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  const cause = e.cause !== undefined && depth < 3 ? toWire(e.cause, depth + 1) : undefined;
  return { name: e.name, message: e.message, fields, ...(cause ? { cause } : {}) };
}

/** The error a thread threw, as this thread's Error with the same name, message, fields and cause. */
export function fromWire(w: WireError): Error {
  const err = new Error(w.message, w.cause ? { cause: fromWire(w.cause) } : undefined);
  Object.assign(err, w.fields);
  Object.defineProperty(err, 'name', {
    value: w.name,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return err;
}

/** A round's answer: its error, if it stopped part-way, as plain data. */
export function roundToWire(id: number, round: CopyRound, busy: number): FromThread {
  const { interrupted, ...rest } = round;
  return {
    type: 'done',
    id,
    round: rest,
    ...(interrupted ? { interrupted: toWire(interrupted) } : {}),
    busy,
  };
}

/** The round a thread answered, with the error that stopped it (if any) as this thread's Error. */
export function roundFromWire(m: Extract<FromThread, { type: 'done' }>): CopyRound {
  return m.interrupted ? { ...m.round, interrupted: fromWire(m.interrupted) } : m.round;
}
