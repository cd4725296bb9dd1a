/**
 * What migrate's deletes will do at the source (issue 22, item 7), for `plan` and `migrate` before anything
 * starts: an S3 source is asked for its bucket's versioning and Object Lock (bucket-level reads; what cannot be
 * read is reported as unknown, never an error), other stores have nothing to say. With --nodelete nothing is
 * asked: nothing is deleted.
 */
import type { Pool } from 'pg';
import { sourceDeleteNotes, type DeleteNote } from '../drivers/delete-notes';
import { createDriver } from '../drivers/registry';
import type { DeleteBehaviour } from '../drivers/types';
import type { StoreSide } from './migration-setup';
import type { Output } from './output';

/** `plan --json`'s `sourceDeletes`. */
export interface SourceDeletes {
  /** False with --nodelete. */
  readonly deletes: boolean;
  /** What the source's backend said; null when its driver has nothing to say or nothing is deleted. */
  readonly behaviour: DeleteBehaviour | null;
  /** The sentences the text output prints, in order. */
  readonly notes: readonly string[];
}

/** Asks the source store (never throws for what the backend refuses to tell). */
export async function describeSourceDeletes(
  from: StoreSide,
  pool: Pool,
  nodelete: boolean,
  reclaimVersions = false,
): Promise<{ summary: SourceDeletes; notes: DeleteNote[] }> {
  let behaviour: DeleteBehaviour | undefined;
  if (!nodelete) {
    const driver = createDriver(from.loaded.config.storage_driver, { pool });
    try {
      behaviour = await driver.describeDeletes?.();
    } finally {
      await driver.close();
    }
  }
  const notes = sourceDeleteNotes(behaviour, nodelete, reclaimVersions);
  return {
    summary: { deletes: !nodelete, behaviour: behaviour ?? null, notes: notes.map((n) => n.text) },
    notes,
  };
}

/** Information as `Source deletes: …` lines, what the operator should know as warnings. */
export function printSourceDeletes(out: Output, notes: readonly DeleteNote[]): void {
  for (const n of notes) {
    if (n.attention) out.warn(n.text);
    else out.line(`Source deletes: ${n.text}`);
  }
}
