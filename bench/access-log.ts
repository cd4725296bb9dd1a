/** S3 request counts per phase from VersityGW's access log (one line per request). */
import { closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';

export function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Requests logged since byte `from`, by S3 operation. */
export function requestsSince(path: string, from: number): Record<string, number> {
  const size = logSize(path);
  const counts: Record<string, number> = {};
  if (size <= from) return counts;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let pos = from;
    let rest = '';
    while (pos < size) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
      if (n <= 0) break;
      pos += n;
      const lines = (rest + chunk.subarray(0, n).toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) count(counts, line);
    }
    if (rest) count(counts, rest);
  } finally {
    closeSync(fd);
  }
  return counts;
}

function count(counts: Record<string, number>, line: string): void {
  // VersityGW's access log names the operation as `s3_<Action>` (s3_PutObject, s3_GetObject, …).
  const op = /\bs3_([A-Za-z0-9]+)\b/.exec(line)?.[1];
  if (op) counts[op] = (counts[op] ?? 0) + 1;
}

/**
 * Empties the log after a phase was counted: a million-document run would otherwise leave gigabytes. The
 * server may keep writing at its old offset (a sparse file); counting always starts at the size it sees.
 */
export function truncateLog(path: string): void {
  try {
    truncateSync(path, 0);
  } catch {
    // no log yet
  }
}
