/**
 * Anchore's `${ANCHORE...}` substitution (`configuration/localconfig.py:read_config`): literal text replacement
 * in the raw YAML before parsing, for variables whose name starts with `ANCHORE`, taken from the process
 * environment and from the file named by `ANCHORE_ENV_FILE`. There is no `${X:-default}` syntax.
 */
import { existsSync, readFileSync } from 'node:fs';

import { ConfigError, UnsetVariableError } from '../errors';

// Same shape as Anchore's leftover check (`\$\{ANCHORE.*?\}`), without crossing a closing brace.
const REFERENCE = /\$\{(ANCHORE[^}]*)\}/g;
const ANCHORE_NAME = /^ANCHORE/;
// Python's str.splitlines() boundaries (but the ASCII separators 0x1c-0x1e), so that an env file splits into
// the same lines as in Anchore.
const LINE_BREAK = /\r\n|[\n\r\v\f\x85\u2028\u2029]/;

/** Name of the variable that points at an extra `K=V` file of Anchore variables. */
export const ANCHORE_ENV_FILE = 'ANCHORE_ENV_FILE';

export { isAnchoreReference } from './anchore-reference';

/** True when `text` contains at least one `${ANCHORE...}` reference. */
export function containsAnchoreReference(text: string): boolean {
  return referencedVariables(text).length > 0;
}

/** Names referenced as `${ANCHORE...}` in `text`, each once, in order of first use. */
export function referencedVariables(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(REFERENCE), (m) => m[1] ?? ''))];
}

/**
 * Parses an `ANCHORE_ENV_FILE` the way Anchore does: `K=V` lines split at the first `=`, runs of quotes
 * stripped from both ends of the value, keys taken verbatim (so `export K=V` is not a `K`). Blank lines,
 * `#` comments and lines without `=` are skipped.
 * @throws ConfigError when the file cannot be read.
 */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read the file named by ${ANCHORE_ENV_FILE} (${fsErrorCode(cause)})`, path, {
      cause,
    });
  }
  const vars: Record<string, string> = {};
  for (const line of text.split(LINE_BREAK)) {
    const eq = line.indexOf('=');
    if (line.trimStart().startsWith('#') || eq < 0) continue;
    vars[line.slice(0, eq)] = line
      .slice(eq + 1)
      .replace(/^["']+/, '')
      .replace(/["']+$/, '');
  }
  return vars;
}

/**
 * The variables Anchore would substitute: `ANCHORE*` entries of `ANCHORE_ENV_FILE` (read when the file
 * exists, as Anchore does), overridden by `ANCHORE*` entries of `env`.
 */
export function anchoreVariables(env: NodeJS.ProcessEnv): Map<string, string> {
  const vars = new Map<string, string>();
  const envFile = env[ANCHORE_ENV_FILE];
  if (envFile !== undefined && envFile !== '' && existsSync(envFile)) {
    for (const [k, v] of Object.entries(readEnvFile(envFile))) if (ANCHORE_NAME.test(k)) vars.set(k, v);
  }
  for (const [k, v] of Object.entries(env)) if (ANCHORE_NAME.test(k) && v !== undefined) vars.set(k, v);
  return vars;
}

/**
 * Replaces every `${NAME}` whose NAME is in `vars`; unknown references stay as they are. One pass: unlike
 * Anchore's loop of `str.replace` calls, a value that itself contains `${ANCHORE_...}` is not expanded again,
 * so the result does not depend on the order of the environment.
 */
export function replaceAnchoreReferences(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(REFERENCE, (whole: string, name: string) => vars.get(name) ?? whole);
}

/**
 * Substitutes `${ANCHORE...}` references in raw config text from `env` and `ANCHORE_ENV_FILE`.
 * @param file the config file, named in errors.
 * @throws UnsetVariableError listing every reference left unset.
 */
export function substituteAnchoreVars(text: string, env: NodeJS.ProcessEnv, file?: string): string {
  const out = replaceAnchoreReferences(text, anchoreVariables(env));
  const unset = referencedVariables(out);
  if (unset.length > 0) throw new UnsetVariableError(unset, file);
  return out;
}

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`, ...), else its message. */
export function fsErrorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return err instanceof Error ? err.message : String(err);
}
