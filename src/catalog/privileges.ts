/**
 * The catalog privileges a migration needs (docs/least-privilege.md), checked before anything is written so a
 * role that lacks one gets a named error with the GRANT to run, instead of pages that keep failing on
 * "permission denied" halfway through.
 */
import type { Pool } from 'pg';
import { CatalogPrivilegeError } from '../errors';
import { REQUIRED_TABLES } from './pool';

/** One privilege on one object of the catalog's schema, and what the tool does with it. */
export interface PrivilegeNeed {
  readonly on: 'table' | 'sequence' | 'schema';
  /** Table or sequence name; for the schema, `current_schema`. */
  readonly name: string;
  readonly privilege: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'USAGE' | 'CREATE';
  readonly why: string;
}

/** Anchore's table that holds the bodies of a `db`/`db2` store (the other drivers keep none in the catalog). */
const BODY_TABLES: Readonly<Record<string, string>> = { db: 'archive_document', db2: 'object_storage' };

const need = (
  on: PrivilegeNeed['on'],
  name: string,
  privilege: PrivilegeNeed['privilege'],
  why: string,
): PrivilegeNeed => ({ on, name, privilege, why });

/** What migrate, stage and reverse need, for stores of these driver names (source and destination). */
export function migrationNeeds(drivers: readonly string[]): PrivilegeNeed[] {
  const needs: PrivilegeNeed[] = [
    ...REQUIRED_TABLES.map((t) => need('table', t, 'SELECT', 'checking that this is an Anchore catalog')),
    need('table', 'archive_metadata', 'UPDATE', "switching each document's row to its copy"),
    need('table', 'tasks', 'INSERT', "writing the migration's task record as anchore-manager does"),
    need('table', 'tasks', 'UPDATE', "updating the task record's state"),
    need('sequence', 'tasks_id_seq', 'USAGE', 'numbering the task record'),
    need('table', 'archive_migration_tasks', 'INSERT', "writing the migration's task record"),
    need('table', 'archive_migration_tasks', 'UPDATE', "counting the task's migrated documents"),
  ];
  for (const table of new Set(drivers.flatMap((d) => BODY_TABLES[d] ?? []))) {
    needs.push(
      need('table', table, 'INSERT', 'writing bodies (copies and the self-check probe)'),
      need('table', table, 'UPDATE', 'rewriting a body (INSERT … ON CONFLICT DO UPDATE)'),
      need('table', table, 'DELETE', 'deleting migrated sources and the self-check probe'),
    );
  }
  return needs;
}

/**
 * Our own tables: with none yet, the role creates them (CREATE on the schema); once they exist (created by this
 * role or by an administrator), it reads and writes every one of them.
 */
async function ourTablesNeeds(pool: Pool): Promise<PrivilegeNeed[]> {
  const res = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE 'objectstorage\\_%'
     ORDER BY 1`,
  );
  if (!res.rows.some((r) => r.name === 'objectstorage_catalog'))
    return [need('schema', 'current_schema', 'CREATE', 'creating its objectstorage_* tables')];
  return res.rows.flatMap((r) =>
    (['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const).map((p) =>
      need('table', r.name, p, 'its journal, registry and page leases'),
    ),
  );
}

function holdsSql(n: PrivilegeNeed, i: number): string {
  const name = `$${i + 1}::text`;
  // Every parameter is used (an unused one has no type PostgreSQL can infer).
  if (n.on === 'schema')
    return `(${name} IS NOT NULL AND has_schema_privilege(current_schema(), '${n.privilege}'))`;
  if (n.on === 'sequence')
    return `(to_regclass(${name}) IS NOT NULL AND has_sequence_privilege(${name}, '${n.privilege}'))`;
  return `(to_regclass(${name}) IS NOT NULL AND has_table_privilege(${name}, '${n.privilege}'))`;
}

/** The GRANT that gives `n` to `role`. */
export function grantFor(n: PrivilegeNeed, role: string, schema: string): string {
  if (n.on === 'schema') return `GRANT CREATE ON SCHEMA ${schema} TO ${role};`;
  return `GRANT ${n.privilege} ON ${n.on === 'sequence' ? 'SEQUENCE ' : ''}${n.name} TO ${role};`;
}

/**
 * Throws a CatalogPrivilegeError naming every privilege of `needs` (plus our tables') the connected role lacks,
 * with the GRANT statements that give them. `command` names what needs them, for the message.
 */
export async function checkPrivileges(
  pool: Pool,
  command: string,
  needs: readonly PrivilegeNeed[],
): Promise<void> {
  const all = [...needs, ...(await ourTablesNeeds(pool))];
  const names = all.map((n) => n.name);
  const res = await pool.query<Record<string, unknown>>(
    `SELECT quote_ident(current_user) AS role, quote_ident(current_schema()) AS schema,
       ${all.map((n, i) => `${holdsSql(n, i)} AS p${i}`).join(', ')}`,
    names,
  );
  const row = res.rows[0] ?? {};
  const missing = all.filter((_, i) => row[`p${i}`] !== true);
  if (missing.length === 0) return;
  const role = String(row.role);
  const schema = String(row.schema);
  throw new CatalogPrivilegeError(
    `the catalog role ${role} lacks what ${command} needs:\n` +
      missing
        .map((n) => `  ${n.privilege} on ${n.on === 'schema' ? `schema ${schema}` : n.name} (${n.why})`)
        .join('\n') +
      '\nGrant it as the owner of those objects (docs/least-privilege.md):\n' +
      missing.map((n) => `  ${grantFor(n, role, schema)}`).join('\n'),
  );
}
