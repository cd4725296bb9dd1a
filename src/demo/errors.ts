/** Named errors of the demo-data command. */
import { ExitCode, ObjectStorageError } from '../errors';

/** The catalog already holds documents: the demo only writes into an empty one and never overwrites. */
export class DemoCatalogNotEmptyError extends ObjectStorageError {
  constructor(
    readonly database: string,
    readonly rows: number,
  ) {
    super(
      `the catalog ${database} already has ${rows} archive_metadata row(s); demo-data writes only into a catalog ` +
        'without documents, so it never overwrites or deletes anything. Create a fresh database ' +
        '(e.g. `createdb anchore_demo`) and run demo-data with --init-schema against it.',
    );
  }
}

/** Documents read back through the config differ from, or miss, what the seed generates. */
export class DemoVerifyFailedError extends ObjectStorageError {
  override readonly exitCode: number = ExitCode.objectStoreCheckFailed;
}
