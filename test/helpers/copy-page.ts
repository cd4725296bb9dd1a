/** Shared pieces of the copyPage tests: the catalog's one page, and a byte budget that records what it is asked. */
import type { Pool } from 'pg';
import { ensureJournal, planPages } from '../../src/catalog';
import type { ByteBudget } from '../../src/activities/byte-budget';
import type { MigrationInput, PageBounds } from '../../src/shared/migration';

/** The run settings of a copyPage test: one page of everything (up to 1,000 documents), one at a time. */
export const ONE_PAGE_RUN = {
  fromAnalysisArchive: false,
  toAnalysisArchive: false,
  nodelete: false,
  verify: 'head',
  pageSize: 1000,
  pageBytes: 1024 ** 3,
  pagesPerRun: 100,
  throttle: { concurrency: 1, maxDocsPerSecond: 0, maxBytesPerSecond: 0 },
} as const satisfies Partial<MigrationInput>;

/** Creates the journal and plans the whole selection as one page. */
export async function journalAndOnePage(pool: Pool, input: MigrationInput): Promise<PageBounds> {
  await ensureJournal(pool);
  const planned = await planPages(pool, input.selection, undefined, {
    pages: 1,
    pageSize: input.pageSize,
    pageBytes: input.pageBytes,
    firstIndex: 0,
  });
  return planned.pages[0] as PageBounds;
}

/** A budget without a limit that records the bytes of every acquire. */
export function recordingBudget(): { budget: ByteBudget; held: number[] } {
  const held: number[] = [];
  const budget: ByteBudget = {
    acquire: (bytes) => {
      held.push(bytes);
      return Promise.resolve(() => undefined);
    },
    inUse: () => 0,
  };
  return { budget, held };
}
