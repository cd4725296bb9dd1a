/** The markdown the Temporal UI shows as the workflow's current details. */
import { adaptiveLine } from '../shared/adaptive-line';
import { bytesSummary, formatBytes } from '../shared/bytes';
import type { BucketCount, MigrationInput, Progress } from '../shared/migration';

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/** Limits as an operator reads them: what holds the migration back, if anything. */
function throttleLine(p: Progress): string {
  const t = p.throttle;
  const limits = [
    `concurrency ${t.concurrency}`,
    ...(t.maxDocsPerSecond > 0 ? [`≤ ${t.maxDocsPerSecond} docs/s`] : []),
    ...(t.maxBytesPerSecond > 0 ? [`≤ ${formatBytes(t.maxBytesPerSecond)}/s`] : []),
  ];
  return `throttle: ${limits.join(' · ')}`;
}

/** A staged migration: what is staged, what the last pass found, and where a cutover stands. */
function stagingDetails(p: Progress, s: NonNullable<Progress['staging']>): string {
  if (s.cutover)
    return `**cutover:** ${s.cutover.step} · ${s.cutover.bulkSwitched} staged documents switched in bulk`;
  const found = s.lastDelta
    ? `last pass found ${s.lastDelta.documents} new or changed (${formatBytes(s.lastDelta.bytes)})`
    : 'first pass running';
  const eta =
    s.cutoverCopySeconds !== undefined
      ? ` · a cutover now would copy ~${duration(s.cutoverCopySeconds)}`
      : '';
  return `**staged:** ${p.counters.staged ?? 0} of ${p.counters.total} · pass ${s.passes} · ${found}${eta}`;
}

/**
 * Short lines, no tables: the details pane of the Temporal UI is narrow on a laptop screen (the browser test
 * checks it at 1280 px), and a wide table there scrolls sideways.
 */
export function progressDetails(input: MigrationInput, buckets: readonly BucketCount[], p: Progress): string {
  const c = p.counters;
  const done = c.total > 0 ? Math.floor(((c.migrated + c.failed) / c.total) * 100) : 0;
  const lines = [
    `## Anchore migration ${input.taskId}: ${input.from.storage_driver.name} → ${input.to.storage_driver.name}`,
    '',
    `**${p.phase}** · ${done}% · ${c.migrated} of ${c.total} migrated · ${c.failed} failed`,
    '',
    `${p.docsPerSecond} docs/s${p.etaSeconds !== undefined ? ` · ETA ${duration(p.etaSeconds)}` : ''}`,
    '',
    bytesSummary(c),
    '',
    `${p.inFlightPages} pages in flight · ${p.setAsidePages} set aside for retry · run ${p.runs}`,
    '',
    throttleLine(p),
    ...(p.staging ? ['', stagingDetails(p, p.staging)] : []),
    ...(p.adaptive ? ['', `**slowed:** ${adaptiveLine(p.adaptive, Date.now())}`] : []),
    ...(p.waitingFor ? ['', `**waiting:** ${p.waitingFor}`] : []),
    ...(p.stoppedBy ? ['', `**stopped by:** ${p.stoppedBy}`] : []),
    '',
    `from \`${input.selection.sourcePrefix}\`${input.nodelete ? ' (kept: --nodelete)' : ''}`,
    '',
    `to \`${input.destLocation}\``,
    '',
    '**by logical bucket** (documents, stored bytes)',
    '',
    ...buckets.map((b) => `- ${b.bucket}: ${b.documents} · ${formatBytes(b.bytes)}`),
  ];
  return lines.join('\n');
}
