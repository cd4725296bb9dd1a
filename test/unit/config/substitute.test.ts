import {
  anchoreVariables,
  isAnchoreReference,
  parseStoreConfigText,
  readEnvFile,
  substituteAnchoreVars,
} from '../../../src/config';
import { anchoreConfig, caught, tempFile } from './helpers';

describe('substituteAnchoreVars', () => {
  it('replaces ${ANCHORE...} references from the environment, as text, before parsing', () => {
    const out = substituteAnchoreVars('a: ${ANCHORE_A}\nb: x${ANCHORE_A}y\nc: ${ANCHORE_B}\n', {
      ANCHORE_A: '1',
      ANCHORE_B: '$& $1',
    });
    expect(out).toBe('a: 1\nb: x1y\nc: $& $1\n');
  });

  it('leaves references to variables not starting with ANCHORE alone, even when set', () => {
    const text = 'a: ${OTHER}\nb: ${HOME}\nc: ${anchore_lower}\n';
    expect(substituteAnchoreVars(text, { OTHER: 'x', HOME: '/root', anchore_lower: 'y' })).toBe(text);
  });

  it('has no ${X:-default} syntax: such a reference is an unset variable', () => {
    const err = caught(() => substituteAnchoreVars('a: ${ANCHORE_A:-fallback}\n', { ANCHORE_A: 'x' }));
    expect(err.name).toBe('UnsetVariableError');
    expect(err.variables).toEqual(['ANCHORE_A:-fallback']);
  });

  it('lists every unset reference at once, each once', () => {
    const err = caught(() =>
      substituteAnchoreVars(
        'a: ${ANCHORE_X}\nb: ${ANCHORE_SET}\nc: ${ANCHORE_Y}\nd: ${ANCHORE_X}\n',
        { ANCHORE_SET: 's' },
        'c.yaml',
      ),
    );
    expect(err.name).toBe('UnsetVariableError');
    expect(err.variables).toEqual(['ANCHORE_X', 'ANCHORE_Y']);
    expect(err.message).toMatch(/^c\.yaml: .*unset: ANCHORE_X, ANCHORE_Y/);
  });

  it('substitutes an empty value (set but empty is not unset)', () => {
    expect(substituteAnchoreVars('a: "${ANCHORE_E}"', { ANCHORE_E: '' })).toBe('a: ""');
  });
});

describe('ANCHORE_ENV_FILE', () => {
  const envFile = tempFile(
    'anchore.env',
    [
      '# comment line',
      '',
      'ANCHORE_FROM_FILE="double quoted"',
      "ANCHORE_SINGLE='single'",
      'ANCHORE_BOTH=from-file',
      'ANCHORE_EQ=a=b',
      '#ANCHORE_COMMENTED=no',
      'export ANCHORE_EXPORTED=no',
      'NOT_ANCHORE=ignored',
      'line without equals',
    ].join('\r\n'),
  );

  it('reads K=V lines, strips surrounding quotes, skips comments and blank lines', () => {
    expect(readEnvFile(envFile)).toEqual({
      ANCHORE_FROM_FILE: 'double quoted',
      ANCHORE_SINGLE: 'single',
      ANCHORE_BOTH: 'from-file',
      ANCHORE_EQ: 'a=b',
      'export ANCHORE_EXPORTED': 'no',
      NOT_ANCHORE: 'ignored',
    });
  });

  it('adds the file ANCHORE variables to the environment ones, the environment winning', () => {
    const vars = anchoreVariables({ ANCHORE_ENV_FILE: envFile, ANCHORE_BOTH: 'from-env', PATH: '/bin' });
    expect(Object.fromEntries(vars)).toEqual({
      ANCHORE_ENV_FILE: envFile,
      ANCHORE_FROM_FILE: 'double quoted',
      ANCHORE_SINGLE: 'single',
      ANCHORE_BOTH: 'from-env',
      ANCHORE_EQ: 'a=b',
    });
  });

  it('feeds the config loader', () => {
    const text = anchoreConfig(
      '    object_store:\n      storage_driver:\n        name: localfs\n' +
        '        config: {archive_data_dir: "/data/${ANCHORE_FROM_FILE}/${ANCHORE_BOTH}"}\n',
    );
    const loaded = parseStoreConfigText(text, 'c.yaml', {
      env: { ANCHORE_ENV_FILE: envFile, ANCHORE_BOTH: 'env' },
    });
    expect(loaded.config.storage_driver.config).toEqual({ archive_data_dir: '/data/double quoted/env' });
  });

  it('is ignored when the named file does not exist, as in Anchore', () => {
    expect(Object.fromEntries(anchoreVariables({ ANCHORE_ENV_FILE: '/nonexistent.env' }))).toEqual({
      ANCHORE_ENV_FILE: '/nonexistent.env',
    });
  });
});

describe('references in the loader', () => {
  const S3 = (config: string) =>
    anchoreConfig(`    object_store:\n      storage_driver:\n        name: s3\n        config: ${config}\n`);

  it('substitutes from env and keeps the references in raw', () => {
    const text = S3(
      '{bucket: "${ANCHORE_BUCKET}", access_key: "${ANCHORE_AK}", secret_key: "${ANCHORE_SK}"}',
    );
    const env = { ANCHORE_BUCKET: 'docs', ANCHORE_AK: 'AKIAEXAMPLE', ANCHORE_SK: 'very-secret' };
    const loaded = parseStoreConfigText(text, 'c.yaml', { env });
    expect(loaded.config.storage_driver.config).toMatchObject({
      bucket: 'docs',
      access_key: 'AKIAEXAMPLE',
      secret_key: 'very-secret',
    });
    expect(loaded.raw.storage_driver.config).toMatchObject({
      bucket: '${ANCHORE_BUCKET}',
      access_key: '${ANCHORE_AK}',
      secret_key: '${ANCHORE_SK}',
    });
  });

  it('refuses unset references of the section used, naming all of them', () => {
    const text = S3('{bucket: b, access_key: "${ANCHORE_AK}", secret_key: "${ANCHORE_SK}"}');
    const err = caught(() => parseStoreConfigText(text, 'c.yaml', { env: { ANCHORE_OTHER: 'x' } }));
    expect(err.name).toBe('UnsetVariableError');
    expect(err.variables).toEqual(['ANCHORE_AK', 'ANCHORE_SK']);
  });

  it('keeps ${OTHER} text as a literal value', () => {
    const text = S3('{bucket: "${OTHER}", iamauto: true}');
    expect(
      parseStoreConfigText(text, 'c.yaml', { env: { OTHER: 'x' } }).config.storage_driver.config,
    ).toMatchObject({
      bucket: '${OTHER}',
    });
  });
});

describe('isAnchoreReference', () => {
  it.each([
    ['${ANCHORE_X}', true],
    ['${ANCHORE_X}${ANCHORE_Y}', true],
    ['pre${ANCHORE_X}', false],
    ['${OTHER}', false],
    ['literal', false],
    [42, false],
  ])('%p → %p', (value, expected) => {
    expect(isAnchoreReference(value)).toBe(expected);
  });
});
