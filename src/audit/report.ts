/**
 * The audit report file: every problem as a CSV row, or a JSON document `{problems: [...], summary}`. Written as
 * problems are found (a store with millions of problems does not need them in memory), scrubbed of secrets.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { extname } from 'node:path';
import { scrubSecrets } from '../config/redact';
import { ConfigError } from '../errors';
import type { AuditProblem, AuditSummary } from './types';

export const REPORT_COLUMNS = ['code', 'userId', 'bucket', 'archiveId', 'url', 'detail'] as const;

export type ReportFormat = 'csv' | 'json';

/** The format a report file name asks for; anything but .csv or .json is a usage error. */
export function reportFormat(file: string): ReportFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.json') return ext.slice(1) as ReportFormat;
  throw new ConfigError(`--report ${file}: the file name must end with .csv or .json`);
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A report being written. */
export interface ReportWriter {
  add(p: AuditProblem): Promise<void>;
  /** Writes the summary (JSON only) and closes the file. */
  finish(summary: AuditSummary): Promise<void>;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(scrubSecrets(text))) await once(stream, 'drain');
}

/** Opens `file` for a report in the format its extension names. */
export async function openReport(file: string): Promise<ReportWriter> {
  const format = reportFormat(file);
  const stream = createWriteStream(file);
  await once(stream, 'open');
  let count = 0;
  await write(stream, format === 'csv' ? `${REPORT_COLUMNS.join(',')}\n` : '{"problems": [');
  return {
    async add(p) {
      const text =
        format === 'csv'
          ? `${REPORT_COLUMNS.map((c) => csvCell(p[c])).join(',')}\n`
          : `${count > 0 ? ',' : ''}\n  ${JSON.stringify(p)}`;
      count += 1;
      await write(stream, text);
    },
    async finish(summary) {
      if (format === 'json') await write(stream, `\n],\n"summary": ${JSON.stringify(summary, null, 2)}}\n`);
      stream.end();
      await once(stream, 'finish');
    },
  };
}
