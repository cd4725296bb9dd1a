/**
 * What migrate's source deletes will do, in the operator's words (issue 22, item 7): `plan`, `migrate` and the
 * worker's prepare say it the same way. Built from {@link DeleteBehaviour}; a store whose deletes simply remove
 * (db, db2, localfs, swift) has nothing to say unless nothing is deleted at all (--nodelete).
 */
import type { DeleteBehaviour } from './types';

/** One sentence; `attention`: the operator should act or know (printed as a warning), otherwise information. */
export interface DeleteNote {
  readonly text: string;
  readonly attention: boolean;
}

export const NODELETE_NOTE: DeleteNote = {
  text:
    'none (--nodelete): migrate deletes nothing at the source; every source stays stored (and billable) where ' +
    'it is, and rollback can point documents back at it',
  attention: false,
};

function retention(b: DeleteBehaviour): string {
  const r = b.defaultRetention;
  if (!r) return '';
  const span = [
    r.years !== undefined ? `${r.years} year(s)` : '',
    r.days !== undefined ? `${r.days} day(s)` : '',
  ].filter(Boolean);
  return ` (default retention ${r.mode}${span.length ? `, ${span.join(' ')}` : ''})`;
}

/** The sentences for the source store `b` (undefined: its driver has nothing to say). */
export function sourceDeleteNotes(
  b: DeleteBehaviour | undefined,
  nodelete: boolean,
  reclaimVersions = false,
): DeleteNote[] {
  if (nodelete) return [NODELETE_NOTE];
  if (!b) return [];
  const bucket = `source bucket ${b.bucket}`;
  const notes: DeleteNote[] = [];
  if (reclaimVersions && (b.versioning === 'enabled' || b.versioning === 'suspended')) {
    notes.push({
      text:
        `${bucket} has versioning ${b.versioning}: with --reclaim-versions, migrate deletes each migrated ` +
        `version after its delete marker and frees its space (versions from before the migration stay)`,
      attention: false,
    });
    return [...notes, ...sourceDeleteNotes({ ...b, versioning: 'off' }, false).slice(1)];
  }
  const keeping =
    'stay stored and billable until a lifecycle rule expires them (NoncurrentVersionExpiration)';
  switch (b.versioning) {
    case 'off':
      notes.push({
        text: `${bucket} is not versioned: migrate's deletes remove the sources and free their space`,
        attention: false,
      });
      break;
    case 'enabled':
      notes.push({
        text:
          `${bucket} has versioning enabled: migrate's deletes add delete markers; the old versions ${keeping}` +
          ' (migrate --reclaim-versions deletes the migrated ones)' +
          (b.mfaDelete
            ? '; MFA delete is on, so only the root account with its MFA device can delete them'
            : ''),
        attention: true,
      });
      break;
    case 'suspended':
      notes.push({
        text:
          `${bucket} has versioning suspended: migrate's deletes add delete markers; versions written while ` +
          `versioning was enabled ${keeping}`,
        attention: true,
      });
      break;
    case 'unknown':
      notes.push({
        text:
          `could not read ${bucket}'s versioning (${b.versioningUnknown ?? 'no answer'}): if it is versioned, ` +
          `migrate's deletes only add delete markers and the old versions stay stored and billable`,
        attention: true,
      });
      break;
  }
  if (b.objectLock === 'enabled') {
    const versioned = b.versioning === 'enabled' || b.versioning === 'suspended';
    notes.push({
      text:
        `${bucket} has Object Lock enabled${retention(b)}: objects under retention or a legal hold cannot be ` +
        `deleted; ` +
        (versioned
          ? `migrate's deletes only hide them behind delete markers, and the locked versions stay stored until ` +
            `their retention ends`
          : `migrate still moves their documents, keeps those sources and reports them (journal code ` +
            `source_kept, listed by status --failures); remove them once the lock allows it`),
      attention: true,
    });
  } else if (b.objectLock === 'unknown') {
    notes.push({
      text:
        `could not read ${bucket}'s Object Lock configuration (${b.objectLockUnknown ?? 'no answer'}): if Object ` +
        `Lock is on, objects under retention or a legal hold cannot be deleted`,
      attention: true,
    });
  }
  return notes;
}
