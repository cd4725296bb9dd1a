/** How byte counts read, the same in the CLI and the Temporal UI. */
import type { Counters } from './migration';

/** In the unit that keeps a small count readable: B, KiB, MiB or GiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Stored bytes at the source (moved of selected: the share moved), stored bytes at the destination and logical
 * bytes, each named: compression makes the two ends differ, so one number in one unit never says both.
 */
export function bytesSummary(c: Counters): string {
  const unknown = c.logicalUnknown ?? 0;
  return (
    `${formatBytes(c.migratedBytes)} of ${formatBytes(c.totalBytes)} stored at the source moved · ` +
    `${formatBytes(c.migratedDestBytes ?? 0)} stored at the destination · ` +
    `${formatBytes(c.migratedLogicalBytes ?? 0)} logical` +
    (unknown > 0 ? ` (+${unknown} documents compressed at both ends, not read)` : '')
  );
}
