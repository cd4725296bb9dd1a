/** The `objectstorage` command line: one file per command, exit codes from errors.ts. */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../errors';
import { LOG_FORMATS, LOG_LEVELS, setDefaultLogFormat } from '../logger';
import { registerAudit } from './audit';
import { registerCheck } from './check';
import { registerCodecServer } from './codec-server';
import type { GlobalOptions } from './globals';
import { registerControl } from './control';
import { registerCutover } from './cutover';
import { registerDemoData } from './demo-data';
import { registerDrain } from './drain';
import { registerListDrivers } from './list-drivers';
import { registerListMigrations } from './list-migrations';
import { registerPlan } from './plan';
import { registerReverse } from './reverse';
import { registerPrune } from './prune';
import { registerRollback } from './rollback';
import { registerMigrate } from './migrate';
import { registerStage } from './stage';
import { registerStatus } from './status';
import { registerWorker } from './worker';
import { reportError } from './output';
import { payloadKeysFromEnv } from '../converter/payload-keys';
import { defaultStateDir } from './embedded/dev-server';
import {
  DEFAULT_TEMPORAL_ADDRESS,
  resolveTemporalTarget,
  type TemporalFlags,
  type TemporalTarget,
} from '../shared/temporal-connection';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** Builds the program; exported for tests of `--help`. */
export function buildProgram(): Command {
  const program = new Command('objectstorage')
    .description(
      // One paragraph: commander wraps it to the terminal's width.
      "Move Anchore's stored documents between object-store backends (db, db2, localfs, s3, swift) as durable, " +
        'verified Temporal workflows run by `objectstorage worker` processes. Commands mirror ' +
        '`anchore-manager objectstorage`.',
    )
    .version(version, '-V, --version')
    .option(
      '--db-connect <url>',
      'catalog database URL (default: ANCHORE_DB_CONNECT or ANCHORE_DB_HOST/PORT/USER/PASSWORD/NAME)',
    )
    .option('--json', 'print results as JSON', false)
    .addOption(
      new Option('--log-level <level>', 'log verbosity on stderr').choices(LOG_LEVELS).default('warn'),
    )
    .addOption(
      new Option('--log-format <format>', 'log lines on stderr (auto: pretty on a terminal, else json)')
        .choices(LOG_FORMATS)
        .env('OBJECTSTORAGE_LOG_FORMAT')
        .default('auto'),
    )
    .addOption(
      new Option(
        '--temporal-address <host:port>',
        `Temporal frontend (default ${DEFAULT_TEMPORAL_ADDRESS}); without one given and none answering on the default, Temporal runs embedded on this host`,
      ).env('TEMPORAL_ADDRESS'),
    )
    .option(
      '--embedded',
      'run Temporal on this host (embedded mode) even if one answers on the default address',
    )
    .addOption(
      new Option('--state-dir <dir>', 'where embedded mode keeps its Temporal and migrations')
        .env('OBJECTSTORAGE_STATE_DIR')
        .default(defaultStateDir(process.env), '~/.local/share/anchore-objectstorage'),
    )
    .addOption(
      new Option(
        '--temporal-bin <path>',
        'Temporal CLI embedded mode runs (default: the tool cache, then PATH)',
      ).env('OBJECTSTORAGE_TEMPORAL_BIN'),
    )
    .addOption(
      new Option('--namespace <name>', 'Temporal namespace (default: default)').env('TEMPORAL_NAMESPACE'),
    )
    .addOption(
      new Option(
        '--temporal-profile <name>',
        'profile of the temporal CLI config file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml)',
      ).env('TEMPORAL_PROFILE'),
    )
    .option(
      '--temporal-tls',
      'connect to Temporal with TLS (TEMPORAL_TLS=true; implied by the options below)',
    )
    .option(
      '--temporal-tls-ca <file>',
      'CA certificate of the Temporal server (TEMPORAL_TLS_SERVER_CA_CERT_PATH)',
    )
    .option(
      '--temporal-tls-server-name <name>',
      'name the Temporal server certificate must carry (TEMPORAL_TLS_SERVER_NAME)',
    )
    .option('--temporal-tls-cert <file>', 'client certificate for mTLS (TEMPORAL_TLS_CLIENT_CERT_PATH)')
    .option('--temporal-tls-key <file>', 'key of the client certificate (TEMPORAL_TLS_CLIENT_KEY_PATH)')
    .addOption(
      new Option('--temporal-ui <url>', 'Temporal UI base URL, for the links printed')
        .env('OBJECTSTORAGE_TEMPORAL_UI')
        // The dev stack's UI port (scripts/stack.sh exports TEMPORAL_UI_PORT), else the Temporal CLI's default.
        .default(`http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  let target: { key: string; value: TemporalTarget } | undefined;
  /** The Temporal target of the parsed options, resolved once (it reads the profile and certificate files). */
  const temporalTarget = (o: TemporalOptionValues): TemporalTarget => {
    const flags: TemporalFlags = {
      // Variables (TEMPORAL_ADDRESS …) reach commander's values too; the profile loader applies them itself.
      address: cliValue(program, 'temporalAddress', o.temporalAddress),
      namespace: cliValue(program, 'namespace', o.namespace),
      profile: o.temporalProfile,
      tls: o.temporalTls,
      tlsCaFile: o.temporalTlsCa,
      tlsServerName: o.temporalTlsServerName,
      tlsCertFile: o.temporalTlsCert,
      tlsKeyFile: o.temporalTlsKey,
    };
    const key = JSON.stringify(flags);
    if (target?.key !== key) target = { key, value: resolveTemporalTarget(flags, process.env) };
    return target.value;
  };
  const globals = (): GlobalOptions => {
    const o = program.opts<GlobalOptions & TemporalOptionValues>();
    const t = temporalTarget(o);
    return {
      dbConnect: o.dbConnect,
      json: o.json,
      logLevel: o.logLevel,
      logFormat: o.logFormat,
      temporalAddress: t.address,
      temporalAddressGiven: t.addressGiven,
      temporalConnection: t.connection,
      temporalSecurity: t.security,
      embedded: o.embedded === true,
      stateDir: o.stateDir,
      temporalBin: o.temporalBin,
      namespace: t.namespace,
      temporalUi: o.temporalUi.replace(/\/+$/, ''),
    };
  };
  registerListDrivers(program, globals);
  registerCheck(program, globals);
  registerAudit(program, globals);
  registerPlan(program, globals);
  registerMigrate(program, globals);
  registerStage(program, globals);
  registerCutover(program, globals);
  registerListMigrations(program, globals);
  registerStatus(program, globals);
  registerControl(program, globals);
  registerReverse(program, globals);
  registerRollback(program, globals);
  registerPrune(program, globals);
  registerWorker(program, globals);
  registerDrain(program, globals);
  registerDemoData(program, globals);
  registerCodecServer(program, globals);
  program.addHelpText(
    'after',
    '\nExit codes: 0 success, 1 usage or config error, 2 partial migration, 3 guard refused, 4 cancelled,\n' +
      '            5 object store check failed, 6 audit found problems.',
  );
  program.commands.forEach((c) => c.exitOverride());
  // Commands create their loggers without passing the format; this makes --log-format theirs.
  program.hook('preAction', () => setDefaultLogFormat(globals().logFormat ?? 'auto'));
  // A malformed payload key stops the command before it connects, as what it is (not as an unreachable server).
  program.hook('preAction', () => void payloadKeysFromEnv(process.env));
  return program;
}

/** The Temporal options as commander parses them. */
interface TemporalOptionValues {
  readonly temporalAddress?: string;
  readonly namespace?: string;
  readonly temporalProfile?: string;
  readonly temporalTls?: boolean;
  readonly temporalTlsCa?: string;
  readonly temporalTlsServerName?: string;
  readonly temporalTlsCert?: string;
  readonly temporalTlsKey?: string;
}

/** An option's value when the command line gave it (not its variable: the profile loader reads those). */
function cliValue(program: Command, name: string, value: string | undefined): string | undefined {
  return program.getOptionValueSource(name) === 'cli' ? value : undefined;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  // `status … | head` closes the pipe early: that ends the output, it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    // Commands whose outcome is not plain success (migrate: partial, cancelled) set process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usageOrConfig;
    }
    return reportError(err, program.opts<{ json?: boolean }>().json === true);
  }
}
