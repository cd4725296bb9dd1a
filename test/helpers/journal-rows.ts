/**
 * Every journal row of every migration as a subquery, the rows compaction moved to objectstorage_moved included
 * (as `deleted`, their phase when they moved): what tests check after a migration ended.
 */
export const ALL_JOURNAL_ROWS = `(
  SELECT task_id, bucket, "archiveId", "userId", "documentName", phase, attempts, copied_at, verified_at,
    switched_at, deleted_at FROM objectstorage_journal
  UNION ALL
  SELECT task_id, bucket, "archiveId", "userId", coalesce("documentName", "archiveId" || '.json'), 'deleted',
    attempts, copied_at, verified_at, switched_at, deleted_at FROM objectstorage_moved)`;
