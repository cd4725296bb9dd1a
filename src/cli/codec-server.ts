/**
 * `objectstorage codec-server --port P`: the codec endpoint of the Temporal Web UI, so that people allowed to
 * see migrations read their encrypted payloads in the browser (docs/configuration.md, "Secrets in Temporal").
 */
import type { Command } from 'commander';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../converter/payload-codec';
import { PAYLOAD_KEY_ENV, PAYLOAD_KEY_FILE_ENV, payloadKeysFromEnv } from '../converter/payload-keys';
import { startCodecServer } from '../converter/codec-server';
import { ConfigError, UsageError } from '../errors';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';
import { collect } from './parse';

export function registerCodecServer(program: Command, globals: () => GlobalOptions): void {
  program
    .command('codec-server')
    .description(
      `serve the Temporal UI's codec endpoint: decrypts and encrypts payloads (${ENCRYPTED_ENCODING}) with ${PAYLOAD_KEY_ENV}`,
    )
    .requiredOption('--port <port>', 'TCP port to listen on (0: any free port)', tcpPort)
    .option('--host <host>', 'address to listen on (anyone who reaches it can decrypt payloads)', '127.0.0.1')
    .option(
      '--ui-origin <url>',
      'origin of the Temporal UI that may call it from the browser (repeatable; default: --temporal-ui)',
      collect,
    )
    .addHelpText(
      'after',
      '\nPoint the UI at it with TEMPORAL_CODEC_ENDPOINT=http://HOST:PORT (temporal server start-dev:\n' +
        '--ui-codec-endpoint), or in the UI under "Codec Server". Payloads of another namespace than --namespace\n' +
        'pass through unchanged. Ctrl-C or SIGTERM stops it.',
    )
    .action(async (opts: { port: number; host: string; uiOrigin?: string[] }) => {
      const g = globals();
      const out = createOutput(g.json);
      const keys = payloadKeysFromEnv(process.env);
      if (keys.byId.size === 0)
        throw new ConfigError(
          `codec-server needs the payload key: set ${PAYLOAD_KEY_ENV} (or ${PAYLOAD_KEY_FILE_ENV}) to the key the ` +
            'CLI and the workers use',
        );
      const uiOrigins = (opts.uiOrigin ?? [g.temporalUi]).map(originOf);
      const server = await startCodecServer({
        host: opts.host,
        port: opts.port,
        uiOrigins,
        namespace: g.namespace,
        codec: new EncryptionCodec(keys),
      });
      const keyIds = [...keys.byId.keys()];
      out.result({ url: server.url, namespace: g.namespace, uiOrigins, keyIds });
      out.line(
        `codec server on ${server.url} for namespace ${g.namespace} (UI origin ${uiOrigins.join(', ')}; ` +
          `key${keyIds.length > 1 ? 's' : ''} ${keyIds.join(', ')})`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
    });
}

function tcpPort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be a TCP port (0-65535), got "${value}" (run with --help for usage)`);
  return n;
}

/** The origin of a UI URL, as browsers send it in `Origin` (no path, no trailing slash). */
function originOf(url: string): string {
  if (!URL.canParse(url))
    throw new UsageError(`--ui-origin must be a URL such as http://ui-host:8233, got "${url}"`);
  return new URL(url).origin;
}
