/**
 * A worker's copy thread (docs/adr/0009): runs the copy rounds its process sends it (copy-round.ts) with drivers
 * and a catalog pool of its own, so the documents' bodies — read, re-encoded, written — churn this small heap and
 * not the worker's main one, where every full collection would also mark the Temporal and AWS SDKs. Secrets are
 * resolved here from the process's environment, as the main thread does; only rows, store configs and journal
 * entries cross over.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { copyRound } from '../activities/copy-round';
import { createWorkerPool } from '../catalog/pool';
import { takeBusyAnswersOf } from '../drivers/types';
import { createDriverProvider } from './driver-provider';
import { startHeapCeiling } from './heap-ceiling';
import { roundToWire, toWire, type CopyThreadData, type ToThread, type FromThread } from './copy-wire';

const MIB = 1024 * 1024;
/**
 * Heap and Buffers of a thread above which it collects: its chunks in flight (a few MiB each, in three forms
 * while re-encoded) and the drivers' own heap fit; the bodies' garbage beyond does not wait for V8's own
 * collection, which set the workers' peak RSS above 300 MB (bench, docs/adr/0009).
 */
const THREAD_HEAP_CEILING_BYTES = 48 * MIB;

const port = parentPort;
if (!port) throw new Error('copy-thread.ts runs only as a worker thread');
const data = workerData as CopyThreadData;
const stopHeapCeiling = startHeapCeiling(THREAD_HEAP_CEILING_BYTES);
const pool = createWorkerPool(data.dbUrl, data.connections);
const drivers = createDriverProvider(pool);
const running = new Map<number, AbortController>();
const reply = (message: FromThread): void => port.postMessage(message);

port.on('message', (message: ToThread) => {
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.type === 'close') {
    void drivers
      .close()
      .then(() => pool.end())
      .finally(() => {
        stopHeapCeiling();
        port.close();
      });
    return;
  }
  void copy(message);
});

/** Runs one round and answers it; everything it throws (an unset secret variable too) becomes the answer. */
async function copy({ id, rows, from, to }: Extract<ToThread, { type: 'copy' }>): Promise<void> {
  const abort = new AbortController();
  running.set(id, abort);
  try {
    const source = drivers.driverFor(from);
    const dest = drivers.driverFor(to);
    try {
      const round = await copyRound(source, dest, rows, to, abort.signal);
      reply(roundToWire(id, round, takeBusyAnswersOf(source, dest)));
    } catch (err) {
      reply({ type: 'failed', id, error: toWire(err), busy: takeBusyAnswersOf(source, dest) });
    }
  } catch (err) {
    reply({ type: 'failed', id, error: toWire(err), busy: 0 });
  } finally {
    running.delete(id);
  }
}
