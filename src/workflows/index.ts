/** Workflow bundle entry: every workflow the worker registers. */
export { migrateStore } from './migrate-store';
export { rollbackMigration } from './rollback-migration';
