/**
 * The Temporal of CLI commands. With `--temporal-address` / TEMPORAL_ADDRESS: that server (a cluster; workers of
 * any host serve it). Without one: the embedded server of the state directory if it runs, else the server on the
 * default address if one answers, else the embedded default for one host (a dev server this command starts, and
 * for commands that start work, a worker inside this process). `--embedded` chooses the embedded mode outright.
 */
import { connect } from 'node:net';
import type { Client } from '@temporalio/client';
import { EndpointUnreachableError } from '../errors';
import { dataConverterFromEnv } from '../converter/data-converter';
import { resolveCatalogUrl } from '../catalog';
import { createLogger } from '../logger';
import { ensureEmbeddedServer, runningEmbeddedServer } from './embedded/dev-server';
import { findTemporalBinary } from './embedded/temporal-binary';
import type { GlobalOptions } from './globals';
import {
  temporalTlsError,
  tlsHandshakeProblem,
  type SecureConnectionOptions,
} from '../shared/temporal-connection';
import { WORKER_DEFAULTS } from './worker';

/** A connected client and what ending the command must undo. */
export interface TemporalSession {
  readonly client: Client;
  /** Base URL of the Temporal UI, for the links commands print. */
  readonly ui: string;
  /** Set in embedded mode: where its Temporal keeps the migrations. */
  readonly embedded?: { readonly stateDir: string };
  /** Stops this command's worker and embedded server (if it owns them) and closes the connection. */
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Commands that start or end work (migrate, reverse, rollback, cancel) run a worker here in embedded mode. */
  readonly workers?: boolean;
  /** Where the command says what it waits for (stderr). */
  readonly say: (line: string) => void;
}

/** Whether something accepts TCP connections on host:port within a second. */
export function answers(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Which Temporal this command uses: a given (or default, answering) server, or the embedded one. */
export async function usesEmbedded(g: GlobalOptions): Promise<boolean> {
  if (g.embedded) return true;
  if (g.temporalAddressGiven) return false;
  if (runningEmbeddedServer(g.stateDir)) return true;
  return !(await answers(g.temporalAddress));
}

/**
 * The command's Temporal if one is there without starting one (for commands that only look, such as
 * list-migrations): undefined in embedded mode when the state directory's server is not running.
 */
export function openTemporalIfRunning(
  g: GlobalOptions,
  o: SessionOptions,
): Promise<TemporalSession | undefined> {
  return usesEmbedded(g).then((embedded) =>
    embedded && !runningEmbeddedServer(g.stateDir) ? undefined : openTemporal(g, o),
  );
}

/** Opens the command's Temporal, starting the embedded server if this command runs in embedded mode. */
export async function openTemporal(g: GlobalOptions, o: SessionOptions): Promise<TemporalSession> {
  if (!(await usesEmbedded(g))) {
    const client = await connectClient(g, g.temporalAddress, g.temporalConnection);
    if (o.workers)
      o.say(
        `Temporal: ${g.temporalAddress} (${g.temporalSecurity}), namespace ${g.namespace} (objectstorage worker ` +
          'processes on any host serve it)',
      );
    return { client, ui: g.temporalUi, close: () => client.connection.close() };
  }
  const binary = findTemporalBinary(g.temporalBin, process.env, g.embedded ? 'flag' : 'default');
  const server = await ensureEmbeddedServer(g.stateDir, binary, o.say, (address, signal) =>
    waitForFrontend(g, address, signal),
  );
  let client: Client | undefined;
  let worker: InProcessWorker | undefined;
  try {
    client = await connectClient(g, server.address, {});
    if (o.workers) worker = await startWorker(g, server.address, o.say);
  } catch (err) {
    await client?.connection.close();
    await server.stop();
    throw err;
  }
  const c = client;
  o.say(
    `Temporal: embedded on this host (${server.startedHere ? 'started' : 'running'}; migrations kept in ` +
      `${server.stateDir}, UI ${server.ui})${worker ? ', with a worker in this process' : ''}`,
  );
  return {
    client: c,
    ui: server.ui,
    embedded: { stateDir: server.stateDir },
    close: async () => {
      await worker?.stop();
      await c.connection.close();
      await server.stop();
    },
  };
}

/** Runs `fn` with a session, closing it however `fn` ends. */
export async function withTemporal<T>(
  g: GlobalOptions,
  o: SessionOptions,
  fn: (s: TemporalSession) => Promise<T>,
): Promise<T> {
  const s = await openTemporal(g, o);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/**
 * Connects a client (with the TLS/API key options of a given Temporal); a server that does not answer and a TLS
 * handshake that fails are named errors.
 */
async function connectClient(
  g: GlobalOptions,
  address: string,
  secure: SecureConnectionOptions,
): Promise<Client> {
  // Loaded on use: the client library costs a few hundred ms of start-up that `plan` or `--help` need not pay.
  const { Client, Connection } = await import('@temporalio/client');
  try {
    const connection = await Connection.connect({ ...secure, address, connectTimeout: '5s' });
    return new Client({ connection, namespace: g.namespace, dataConverter: dataConverterFromEnv() });
  } catch (err) {
    const target = { address, connection: secure, security: g.temporalSecurity };
    // grpc-js only says it could not connect in time; a handshake of our own tells a TLS problem apart.
    const handshake = secure.tls ? await tlsHandshakeProblem(address, secure) : undefined;
    throw (
      temporalTlsError(target, handshake ?? err) ??
      new EndpointUnreachableError(
        `Temporal at ${address}`,
        (err as Error).message,
        { cause: err },
        'Check --temporal-address (or TEMPORAL_ADDRESS) and that the Temporal server is up' +
          (secure.tls ? '.' : '; if it requires TLS, give --temporal-tls (TEMPORAL_TLS=true) and its CA.'),
      )
    );
  }
}

/** Until the dev server's frontend serves the namespace (it listens a moment before it does), or `signal`. */
async function waitForFrontend(g: GlobalOptions, address: string, signal: AbortSignal): Promise<void> {
  const { Connection } = await import('@temporalio/client');
  while (!signal.aborted) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      try {
        await connection.workflowService.describeNamespace({ namespace: g.namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

interface InProcessWorker {
  stop(): Promise<void>;
}

/** A worker in this process on the catalog this command uses; resolves once it polls. */
async function startWorker(
  g: GlobalOptions,
  address: string,
  say: (line: string) => void,
): Promise<InProcessWorker> {
  const { runWorker } = await import('../workers/worker');
  let stop = (): void => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  let ready = (): void => undefined;
  const polling = new Promise<void>((r) => (ready = r));
  const running = runWorker({
    dbUrl: resolveCatalogUrl(g.dbConnect, process.env).url,
    temporalAddress: address,
    namespace: g.namespace,
    concurrency: WORKER_DEFAULTS.concurrency,
    memoryBudgetBytes: WORKER_DEFAULTS.memoryBudgetMib * 1024 * 1024,
    copyThreads: WORKER_DEFAULTS.copyThreads,
    shutdownGraceSeconds: WORKER_DEFAULTS.shutdownGraceSeconds,
    log: createLogger(g.logLevel),
    stop: stopped,
    handleSignals: false,
    onReady: ready,
  });
  await Promise.race([polling, running]);
  return {
    stop: async () => {
      say("stopping this host's worker: in-flight pages finish first");
      stop();
      await running;
    },
  };
}

/** Whether a workflow execution is still running (a missing one is not). */
export async function isWorkflowRunning(client: Client, workflowId: string): Promise<boolean> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if ((err as Error)?.name === 'WorkflowNotFoundError') return false;
    throw err;
  }
}
