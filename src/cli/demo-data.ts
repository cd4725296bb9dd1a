/**
 * `objectstorage demo-data CONFIG`: fills an empty catalog with synthetic, Anchore-shaped documents through the
 * stores CONFIG describes, or with `--verify` reads them all back. The generator is loaded only when the command
 * runs (docs/adr/0010): a worker, and every other command, never loads it.
 */
import type { Command } from 'commander';
import type { DemoDataOptions } from './demo-data-run';
import type { GlobalOptions } from './globals';
import { positiveInt } from './parse';

export function registerDemoData(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo-data')
    .description('write synthetic Anchore documents into an empty catalog through a config (for demos)')
    .argument('<config>', 'Anchore config.yaml whose store(s) receive the documents')
    .option('--documents <n>', 'number of documents', positiveInt('--documents'), 20_000)
    .option('--seed <s>', 'same seed, same keys and bytes', '1')
    .option('--accounts <n>', 'number of accounts (userIds)', positiveInt('--accounts'), 5)
    .option('--analysis-archive', 'only analysis-archive tarballs (to demo --from-analysis-archive)')
    .option('--init-schema', "create Anchore's object-store tables first if they are missing")
    .option('--concurrency <n>', 'writes (or reads) in flight', positiveInt('--concurrency'), 8)
    .option('--verify', 'read every document back through CONFIG and compare it with the generated one')
    .addHelpText(
      'after',
      '\nDocuments of bucket analysis_archive go to the analysis_archive section of CONFIG (else the object\n' +
        'store), all others to object_store / archive, as Anchore stores them. With compression enabled, 30% of\n' +
        'the documents are written with compression off, as if stored before it was enabled.\n' +
        'demo-data refuses a catalog that already has archive_metadata rows: it never overwrites or deletes.\n' +
        '--verify takes the same --documents/--seed/--accounts/--analysis-archive as the run that wrote the data.\n' +
        'Exit codes: 0 success, 1 config/catalog error or non-empty catalog, 5 --verify found a difference.',
    )
    .action(async (file: string, opts: DemoDataOptions) => {
      const { runDemoData } = await import('./demo-data-run');
      await runDemoData(file, opts, globals());
    });
}
