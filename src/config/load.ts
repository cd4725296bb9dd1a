/**
 * Reads the store config of an Anchore config.yaml the way anchore-manager does: `${ANCHORE...}` substitution,
 * section lookup (`object_store`, legacy `archive`, or `analysis_archive`), normalization, then validation.
 */
import { readFile } from 'node:fs/promises';

import { LineCounter, parseDocument } from 'yaml';

import { ConfigError, ConfigValidationError, UnknownConfigKeyError, UnsetVariableError } from '../errors';
import { registerConfigSecrets } from './redact';
import { storeConfigSchema } from './schema';
import type { StoreConfig } from './schema';
import {
  anchoreVariables,
  containsAnchoreReference,
  fsErrorCode,
  referencedVariables,
  replaceAnchoreReferences,
} from './substitute';
import { forEachLeaf, isPlainObject, isTruthy, mapLeaves, valueAt } from './tree';
import { unknownKeyIssues } from './known-keys';
import { normalizeStoreConfig, validateStoreConfig } from './validate';
import { storeConfigWarnings } from './warnings';
import type { StoreSection } from './warnings';

const REFERENCES_LOST =
  'the ${ANCHORE...} references of this section could not be read back from the file before substitution ' +
  '(a reference inside a {...} mapping?), so they cannot be passed to workers: secret values will be sealed ' +
  'or refused instead.';

/** Options of {@link loadStoreConfig}. */
export interface LoadStoreConfigOptions {
  /** Read `analysis_archive` (falling back to the object store when it is absent or empty). @default false */
  analysisArchive?: boolean;
  /** Where `${ANCHORE...}` values and `ANCHORE_ENV_FILE` come from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** A store config read from an Anchore config.yaml, with where it came from. */
export interface LoadedStoreConfig {
  file: string;
  /** The YAML key actually used under `services.catalog`. */
  section: StoreSection;
  /** e.g. `services.catalog.archive`. */
  sectionPath: string;
  /** `analysis_archive` was asked for but absent or empty, so the object store is used (as Anchore does). */
  fellBackToObjectStore: boolean;
  /** Substituted, normalized, validated. */
  config: StoreConfig;
  /**
   * `config` with the `${ANCHORE...}` references of the file put back into the string fields of
   * `storage_driver.config` that were written with them (how secrets are passed to workers by reference).
   * Non-string fields show their substituted value.
   */
  raw: StoreConfig;
  /** Things Anchore accepts but that will hurt (see `storeConfigWarnings`), and references that were lost. */
  warnings: string[];
}

/**
 * Loads a store config from an Anchore config.yaml. Unset `${ANCHORE...}` references are an error only
 * inside the section used: other sections (database credentials, ...) are not needed to move documents.
 * Every secret value found is registered with the log scrubber.
 * @throws ConfigError (unreadable file, malformed YAML, not an Anchore config, no store section),
 * UnsetVariableError, UnknownDriverError, ConfigValidationError.
 */
export async function loadStoreConfig(
  file: string,
  opts: LoadStoreConfigOptions = {},
): Promise<LoadedStoreConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read the config file (${fsErrorCode(cause)})`, file, { cause });
  }
  return parseStoreConfigText(text, file, opts);
}

/** {@link loadStoreConfig} on text already read; `file` is used in messages only. */
export function parseStoreConfigText(
  text: string,
  file: string,
  opts: LoadStoreConfigOptions = {},
): LoadedStoreConfig {
  const substituted = replaceAnchoreReferences(text, anchoreVariables(opts.env ?? process.env));
  const catalog = catalogSection(parseSubstitutedYaml(text, substituted, file), file);
  const { section, node, fellBackToObjectStore } = selectSection(
    catalog,
    opts.analysisArchive === true,
    file,
  );
  const sectionPath = `services.catalog.${section}`;
  if (!isPlainObject(node)) throw new ConfigValidationError([`${sectionPath}: expected a mapping`], file);

  const unknownKeys = unknownKeyIssues(node, sectionPath);
  if (unknownKeys.length > 0) throw new UnknownConfigKeyError(unknownKeys, file);
  const normalized = normalizeStoreConfig(node);
  const unset = new Set<string>();
  forEachLeaf(normalized, (leaf) => {
    if (typeof leaf === 'string') for (const name of referencedVariables(leaf)) unset.add(name);
  });
  if (unset.size > 0) throw new UnsetVariableError([...unset], file);
  const config = validateStoreConfig(normalized, sectionPath, file);
  const warnings = storeConfigWarnings(section, sectionPath, node, normalized, config);
  const raw = withReferences(config, text, section, warnings);
  registerConfigSecrets(config);
  return { file, section, sectionPath, fellBackToObjectStore, config, raw, warnings };
}

function parseSubstitutedYaml(text: string, substituted: string, file: string): unknown {
  const parsed = parseYaml(substituted);
  if (parsed.ok) return parsed.value;
  // An unset reference stays as `${...}` text, which YAML rejects inside a {...} mapping: name the variables.
  const unset = referencedVariables(substituted);
  const placeholders = new Map(unset.map((name) => [name, 'unset']));
  if (unset.length > 0 && parseYaml(replaceAnchoreReferences(substituted, placeholders)).ok)
    throw new UnsetVariableError(unset, file);
  // Line and column only: the text around the error may hold a substituted secret.
  const hint =
    substituted !== text && parseYaml(text).ok
      ? ' (the file is valid YAML before ${ANCHORE...} substitution, so a substituted value breaks it: ' +
        'quote the reference, and check the value for quotes or ": ")'
      : '';
  throw new ConfigError(`${parsed.problem}${hint}`, file);
}

type YamlResult = { ok: true; value: unknown } | { ok: false; problem: string };

// PyYAML's safe_load reads YAML 1.1 (`yes` is true) and lets a repeated key win silently: do the same.
function parseYaml(text: string): YamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
    lineCounter,
  });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    // Drop the quoted token some messages end with: it is text of the file.
    const what = error.message.replace(/\s*:\s*".*"$/s, '');
    return { ok: false, problem: `malformed YAML at line ${line}, column ${col}: ${what}` };
  }
  try {
    return { ok: true, value: doc.toJS() };
  } catch (err) {
    // e.g. too many aliases (a "billion laughs" file).
    return {
      ok: false,
      problem: `cannot read the YAML: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

function catalogSection(doc: unknown, file: string): Record<string, unknown> {
  const services = isPlainObject(doc) ? doc.services : undefined;
  const catalog = isPlainObject(services) ? services.catalog : undefined;
  if (!isPlainObject(catalog))
    throw new ConfigError('not an Anchore config.yaml: no services.catalog section', file);
  return catalog;
}

// Anchore's extract_config: the first truthy key wins.
function selectSection(
  catalog: Record<string, unknown>,
  analysisArchive: boolean,
  file: string,
): { section: StoreSection; node: unknown; fellBackToObjectStore: boolean } {
  if (analysisArchive && isTruthy(catalog.analysis_archive)) {
    return { section: 'analysis_archive', node: catalog.analysis_archive, fellBackToObjectStore: false };
  }
  for (const section of ['object_store', 'archive'] as const) {
    if (isTruthy(catalog[section]))
      return { section, node: catalog[section], fellBackToObjectStore: analysisArchive };
  }
  const looked = (
    analysisArchive ? ['analysis_archive', 'object_store', 'archive'] : ['object_store', 'archive']
  )
    .map((key) => `services.catalog.${key}`)
    .join(', ');
  const legacy = ['archive_driver', 'use_db'].filter((key) => key in catalog);
  throw new ConfigError(
    `No valid configuration found: none of ${looked} is present and non-empty.` +
      (legacy.length > 0
        ? ` The file uses the pre-0.2.4 key(s) ${legacy.join(', ')}, which anchore-manager does not read either: ` +
          'add an object_store section with storage_driver: {name, config}.'
        : ' Add an object_store section with storage_driver: {name, config}.'),
    file,
  );
}

const REF_MARK = '__anchore_reference__';

// The references are read from the file before substitution and put back where the substituted, validated
// config has a string; validating again keeps `raw` a real StoreConfig.
function withReferences(
  config: StoreConfig,
  text: string,
  section: StoreSection,
  warnings: string[],
): StoreConfig {
  if (!containsAnchoreReference(text)) return config;
  // References become plain-scalar placeholders so the unsubstituted text parses wherever the substituted one
  // does (an unquoted `${...}` inside a `{...}` flow mapping would not), then turn back into references.
  const written = parseYaml(text.replace(/\$\{(ANCHORE\w*)\}/g, `${REF_MARK}$1${REF_MARK}`));
  const node = written.ok ? valueAt(written.value, ['services', 'catalog', section]) : undefined;
  if (!isPlainObject(node)) {
    warnings.push(REFERENCES_LOST);
    return config;
  }
  const rawDriverConfig = valueAt(normalizeStoreConfig(node), ['storage_driver', 'config']);
  const driverConfig = mapLeaves(config.storage_driver.config, (leaf, path) => {
    const placeholder = valueAt(rawDriverConfig, path);
    const asWritten =
      typeof placeholder === 'string'
        ? placeholder.replace(new RegExp(`${REF_MARK}(ANCHORE\\w*)${REF_MARK}`, 'g'), '${$1}')
        : placeholder;
    return typeof leaf === 'string' && typeof asWritten === 'string' && containsAnchoreReference(asWritten)
      ? asWritten
      : leaf;
  });
  const result = storeConfigSchema.safeParse({
    ...config,
    storage_driver: { ...config.storage_driver, config: driverConfig },
  });
  if (result.success) return result.data;
  warnings.push(REFERENCES_LOST);
  return config;
}
