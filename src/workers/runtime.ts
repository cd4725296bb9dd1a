/**
 * The Temporal Runtime of a worker process, installed once before any NativeConnection exists: the SDK's logs
 * go through our scrubbing logger and, with a metrics address, the SDK core serves Prometheus `/metrics` with
 * its own `temporal_*` metrics and ours (recorded through `Runtime.instance().metricMeter`) on one endpoint.
 */
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { DURATION_BUCKETS_SECONDS, METRIC_NAMES } from '../activities/metrics';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';

/** Where the Prometheus endpoint listens. */
export interface MetricsAddress {
  /** @default '127.0.0.1' (use 0.0.0.0 in a container so Prometheus can reach it) */
  readonly host: string;
  readonly port: number;
}

let installed = false;

/** Installs the Runtime (once per process); throws a ConfigError when the metrics port cannot be bound. */
export function installRuntime(log: Logger, metrics?: MetricsAddress): void {
  if (installed) return;
  const bindAddress = metrics ? hostPort(metrics) : undefined;
  try {
    Runtime.install({
      logger: runtimeLogger(log),
      ...(bindAddress ? { telemetryOptions: { metrics: prometheus(bindAddress) } } : {}),
    });
  } catch (err) {
    if (!bindAddress) throw err;
    throw new ConfigError(
      `cannot serve Prometheus metrics on ${bindAddress}: ${(err as Error).message}. ` +
        'Choose a free --metrics-port (or another --metrics-host).',
      undefined,
      { cause: err },
    );
  }
  installed = true;
  if (bindAddress) log.info(`serving Prometheus metrics on http://${bindAddress}/metrics`);
}

function hostPort({ host, port }: MetricsAddress): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** SDK defaults otherwise (names, units), so Temporal's published dashboards keep working on `temporal_*`. */
function prometheus(bindAddress: string): NonNullable<RuntimeOptions['telemetryOptions']>['metrics'] {
  return {
    prometheus: {
      bindAddress,
      histogramBucketOverrides: { [METRIC_NAMES.duration]: DURATION_BUCKETS_SECONDS },
    },
  };
}

function runtimeLogger(log: Logger): NonNullable<RuntimeOptions['logger']> {
  return {
    log: (level, message, meta) => sdkLog(log, level, message, meta),
    trace: (m, meta) => sdkLog(log, 'TRACE', m, meta),
    debug: (m, meta) => sdkLog(log, 'DEBUG', m, meta),
    info: (m, meta) => sdkLog(log, 'INFO', m, meta),
    warn: (m, meta) => sdkLog(log, 'WARN', m, meta),
    error: (m, meta) => sdkLog(log, 'ERROR', m, meta),
  };
}

/** The SDK's log lines, with the failure (name and message only) of failed activities; scrubbed by our logger. */
function sdkLog(log: Logger, level: string, message: string, meta?: Record<string, unknown>): void {
  const err = meta?.error as { name?: string; message?: string } | undefined;
  const fields = meta
    ? {
        ...(meta.activityType ? { activity: meta.activityType } : {}),
        ...(meta.workflowId ? { workflowId: meta.workflowId } : {}),
        ...(err ? { error: `${err.name ?? 'Error'}: ${err.message ?? ''}` } : {}),
      }
    : undefined;
  if (level === 'ERROR') log.error(message, fields);
  else if (level === 'WARN') log.warn(message, fields);
  else if (level === 'INFO') log.info(message, fields);
  else log.debug(message, fields);
}
