/**
 * A self-check cut off halfway (issue 20, scenario 5: a TCP cut during a worker's start-up self-check) leaves
 * no probe document behind: the delete of the probe is retried, and the cut is what the caller sees.
 */
import { createMemoryDriver } from '../../../src/drivers/memory';
import { probeRoundTrip } from '../../../src/drivers/self-check';
import type { ObjectStoreDriver } from '../../../src/drivers/types';

test('a cut after the probe was written: the read fails, the probe is still deleted', async () => {
  const memory = createMemoryDriver();
  let deletes = 0;
  const cut = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
  const flaky: ObjectStoreDriver = {
    ...memory,
    get: async () => {
      throw cut;
    },
    delete: async (uri, opts) => {
      deletes++;
      if (deletes === 1) throw cut; // the connection is still down for the first delete
      return memory.delete(uri, opts);
    },
  };

  await expect(probeRoundTrip(flaky)).rejects.toBe(cut);
  expect([...memory.objects.keys()]).toEqual([]);
  expect(deletes).toBe(2);
});
