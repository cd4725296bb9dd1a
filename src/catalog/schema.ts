/**
 * DDL of Anchore's object-store tables exactly as Anchore's entities create them on PostgreSQL
 * (shared/docs/anchore-schema.sql): no DEFAULT clauses, quoted camelCase columns, the `task_states` enum.
 * For tests and demos only: production code never creates or alters Anchore's own tables.
 */
import type { Pool } from 'pg';

/** Idempotent DDL of the Anchore tables this tool reads and writes. */
export const ANCHORE_SCHEMA_SQL = `
DO $$ BEGIN
  CREATE TYPE task_states AS ENUM ('initializing', 'pending', 'running', 'complete', 'failed');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE IF NOT EXISTS archive_metadata (
  bucket VARCHAR NOT NULL,
  "archiveId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "documentName" VARCHAR NOT NULL,
  content_url VARCHAR,
  is_compressed BOOLEAN,
  digest VARCHAR,
  size BIGINT,
  document_metadata VARCHAR,
  created_at INTEGER,
  last_updated INTEGER,
  record_state_key VARCHAR,
  record_state_val VARCHAR,
  PRIMARY KEY (bucket, "archiveId", "userId", "documentName")
);

CREATE TABLE IF NOT EXISTS archive_document (
  bucket VARCHAR NOT NULL,
  "archiveId" VARCHAR NOT NULL,
  "userId" VARCHAR NOT NULL,
  "documentName" VARCHAR NOT NULL,
  created_at INTEGER,
  last_updated INTEGER,
  record_state_key VARCHAR,
  record_state_val VARCHAR,
  jsondata VARCHAR,
  b64_encoded BOOLEAN,
  PRIMARY KEY (bucket, "archiveId", "userId", "documentName")
);

CREATE TABLE IF NOT EXISTS object_storage (
  "userId" VARCHAR NOT NULL,
  bucket VARCHAR NOT NULL,
  key VARCHAR NOT NULL,
  version VARCHAR NOT NULL,
  object_metadata VARCHAR,
  content BYTEA,
  created_at INTEGER,
  last_updated INTEGER,
  PRIMARY KEY ("userId", bucket, key, version)
);

CREATE TABLE IF NOT EXISTS tasks (
  id SERIAL NOT NULL,
  state task_states,
  last_state task_states,
  created_at TIMESTAMP WITHOUT TIME ZONE,
  started_at TIMESTAMP WITHOUT TIME ZONE,
  ended_at TIMESTAMP WITHOUT TIME ZONE,
  last_updated TIMESTAMP WITHOUT TIME ZONE,
  executor_id VARCHAR,
  type VARCHAR,
  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS archive_migration_tasks (
  id INTEGER NOT NULL,
  migrate_from_driver VARCHAR,
  migrate_to_driver VARCHAR,
  archive_documents_to_migrate INTEGER,
  archive_documents_migrated INTEGER,
  online_migration BOOLEAN,
  PRIMARY KEY (id),
  FOREIGN KEY(id) REFERENCES tasks (id)
);

CREATE TABLE IF NOT EXISTS services (
  hostid VARCHAR NOT NULL,
  servicename VARCHAR NOT NULL,
  created_at INTEGER,
  last_updated INTEGER,
  record_state_key VARCHAR,
  record_state_val VARCHAR,
  type VARCHAR,
  version VARCHAR,
  base_url VARCHAR,
  short_description VARCHAR,
  status BOOLEAN,
  status_message VARCHAR,
  heartbeat INTEGER,
  PRIMARY KEY (hostid, servicename)
);
`;

/** Creates Anchore's tables if they are missing (tests and demo catalogs). */
export async function createAnchoreSchema(pool: Pool): Promise<void> {
  await pool.query(ANCHORE_SCHEMA_SQL);
}
