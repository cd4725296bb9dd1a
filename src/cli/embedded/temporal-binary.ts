/** Where embedded mode finds the Temporal CLI, whose `server start-dev` is its Temporal: a flag, the tool cache, PATH. */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TemporalBinaryNotFoundError } from '../../errors';

/** scripts/ensure-tools.sh's cache (OBJECTSTORAGE_TOOLS_DIR, else under XDG_CACHE_HOME or ~/.cache). */
export function toolCacheDir(env: NodeJS.ProcessEnv): string {
  return (
    env.OBJECTSTORAGE_TOOLS_DIR ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'anchore-objectstorage', 'bin')
  );
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binary given (`--temporal-bin` / OBJECTSTORAGE_TEMPORAL_BIN), else the tool cache's, else `temporal` on PATH. */
export function findTemporalBinary(
  given: string | undefined,
  env: NodeJS.ProcessEnv,
  chosenBy: 'flag' | 'default' = 'default',
): string {
  if (given !== undefined) {
    if (executable(given)) return given;
    throw new TemporalBinaryNotFoundError(
      `the Temporal CLI given with --temporal-bin (or OBJECTSTORAGE_TEMPORAL_BIN) is not an executable file: ${given}`,
    );
  }
  const cached = join(toolCacheDir(env), 'temporal');
  const candidates = [
    cached,
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'temporal')),
  ];
  const found = candidates.find(executable);
  if (found) return found;
  throw new TemporalBinaryNotFoundError(
    (chosenBy === 'flag'
      ? '--embedded asks this command to run Temporal on this host'
      : 'no Temporal server was given and none answers on the default address, so this command would run ' +
        'Temporal on this host (embedded mode)') +
      `, but the Temporal CLI that provides it is neither at ${cached} nor on PATH. ` +
      'Build it with scripts/ensure-tools.sh (or install the Temporal CLI and pass --temporal-bin), or point ' +
      'this command at a Temporal server with --temporal-address / TEMPORAL_ADDRESS.',
  );
}
