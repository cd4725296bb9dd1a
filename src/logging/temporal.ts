/**
 * The Temporal SDK's logger interface on top of ours, so the worker runtime's lines (and the Rust core's,
 * which the runtime forwards) are JSON or pretty like ours and pass the same secret scrubbing.
 */
import type { LogLevel as SdkLogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from '../logger';

/** `Runtime.install({ logger: temporalLogger(log) })` routes the SDK's logs through `log`. */
export function temporalLogger(log: Logger): SdkLogger {
  const at = (level: SdkLogLevel) => (message: string, meta?: LogMetadata) =>
    sdkLog(log, level, message, meta);
  return {
    log: (level, message, meta) => sdkLog(log, level, message, meta),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
}

// The SDK's metadata holds whole failures and payload-laden objects; keep what identifies the work, and a
// failed activity's error as name and message only (every retry logs it; stacks would flood the output).
function sdkLog(log: Logger, level: SdkLogLevel, message: string, meta?: LogMetadata): void {
  const err = meta?.error as { name?: unknown; message?: unknown } | undefined;
  const fields: Record<string, unknown> = {};
  if (meta?.activityType) fields.activity = meta.activityType;
  if (meta?.workflowType) fields.workflowType = meta.workflowType;
  if (meta?.workflowId) fields.workflowId = meta.workflowId;
  if (typeof meta?.state === 'string') fields.state = meta.state;
  if (err) fields.error = `${String(err.name ?? 'Error')}: ${String(err.message ?? '')}`;
  const extra = Object.keys(fields).length > 0 ? fields : undefined;
  if (level === 'ERROR') log.error(message, extra);
  else if (level === 'WARN') log.warn(message, extra);
  else if (level === 'INFO') log.info(message, extra);
  else log.debug(message, extra);
}
