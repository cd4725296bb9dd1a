/**
 * The Temporal Runtime of a worker process, installed once before any NativeConnection exists: the SDK's logs
 * go through our scrubbing logger and, with a metrics address, the SDK core serves Prometheus `/metrics` with
 * its own `temporal_*` metrics and ours (recorded through `Runtime.instance().metricMeter`) on one endpoint.
 */
import { Runtime, type RuntimeOptions } from '@temporalio/worker';
import { DURATION_BUCKETS_SECONDS, METRIC_NAMES } from '../activities/metrics';
import { ConfigError } from '../errors';
import type { Logger } from '../logger';
import { temporalLogger } from '../logging/temporal';

/** Where the Prometheus endpoint listens. */
export interface MetricsAddress {
  /** @default '127.0.0.1' (use 0.0.0.0 in a container so Prometheus can reach it) */
  readonly host: string;
  readonly port: number;
}

let installed = false;

/** Installs the Runtime (once per process); throws a ConfigError when the metrics port cannot be bound. */
export function installRuntime(log: Logger, metrics?: MetricsAddress, handleSignals = true): void {
  if (installed) return;
  const bindAddress = metrics ? hostPort(metrics) : undefined;
  try {
    Runtime.install({
      logger: temporalLogger(log),
      ...(handleSignals ? {} : { shutdownSignals: [] }),
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
