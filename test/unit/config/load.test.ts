import { join } from 'node:path';

import { loadStoreConfig, parseStoreConfigText } from '../../../src/config';
import { anchoreConfig, caught, tempFile } from './helpers';

const FILE = '/etc/anchore/config.yaml';
const noEnv = { env: {} };

const DB_SECTION = (key: string) => `    ${key}:\n      storage_driver: {name: db, config: {}}\n`;
const LOCALFS_SECTION = (key: string, dir: string) =>
  `    ${key}:\n      storage_driver:\n        name: localfs\n        config: {archive_data_dir: ${dir}}\n`;

describe('section lookup', () => {
  it('prefers object_store over the legacy archive key and says which one it used', () => {
    const text = anchoreConfig(DB_SECTION('archive') + LOCALFS_SECTION('object_store', /* dir */ '/data/os'));
    const loaded = parseStoreConfigText(text, FILE, noEnv);
    expect(loaded.section).toBe('object_store');
    expect(loaded.sectionPath).toBe('services.catalog.object_store');
    expect(loaded.config.storage_driver).toEqual({
      name: 'localfs',
      config: { archive_data_dir: '/data/os' },
    });
    expect(loaded.fellBackToObjectStore).toBe(false);
  });

  it('reads the legacy archive key when object_store is absent or empty', () => {
    const absent = parseStoreConfigText(anchoreConfig(LOCALFS_SECTION('archive', '/data/a')), FILE, noEnv);
    expect(absent.section).toBe('archive');
    expect(absent.sectionPath).toBe('services.catalog.archive');
    const empty = parseStoreConfigText(
      anchoreConfig('    object_store: {}\n' + LOCALFS_SECTION('archive', '/data/a')),
      FILE,
      noEnv,
    );
    expect(empty.section).toBe('archive');
    expect(empty.config.storage_driver.name).toBe('localfs');
  });

  it('loads the shipped default config without the variables of sections it does not use', async () => {
    const loaded = await loadStoreConfig(join(__dirname, 'fixtures', 'anchore-default.yaml'), noEnv);
    expect(loaded.section).toBe('archive');
    expect(loaded.config).toEqual({
      compression: { enabled: false, min_size_kbytes: 100 },
      storage_driver: { name: 'db', config: {} },
    });
    expect(loaded.warnings).toEqual([]);
  });

  it('uses analysis_archive when asked and present', () => {
    const text = anchoreConfig(DB_SECTION('object_store') + LOCALFS_SECTION('analysis_archive', '/data/aa'));
    const loaded = parseStoreConfigText(text, FILE, { ...noEnv, analysisArchive: true });
    expect(loaded.section).toBe('analysis_archive');
    expect(loaded.fellBackToObjectStore).toBe(false);
    expect(loaded.config.storage_driver.name).toBe('localfs');
    expect(parseStoreConfigText(text, FILE, noEnv).section).toBe('object_store');
  });

  it.each([
    ['absent', ''],
    ['empty', '    analysis_archive: {}\n'],
    ['null', '    analysis_archive:\n'],
  ])('falls back to the object store when analysis_archive is %s', (_what, extra) => {
    const text = anchoreConfig(extra + LOCALFS_SECTION('archive', '/data/a'));
    const loaded = parseStoreConfigText(text, FILE, { ...noEnv, analysisArchive: true });
    expect(loaded.section).toBe('archive');
    expect(loaded.fellBackToObjectStore).toBe(true);
    expect(loaded.config.storage_driver).toEqual({
      name: 'localfs',
      config: { archive_data_dir: '/data/a' },
    });
  });

  it('refuses a catalog without any store section, naming the keys it looked for', () => {
    const err = caught(() =>
      parseStoreConfigText(anchoreConfig('    port: 8228\n'), FILE, { analysisArchive: true }),
    );
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain('No valid configuration found');
    for (const key of ['analysis_archive', 'object_store', 'archive']) {
      expect(err.message).toContain(`services.catalog.${key}`);
    }
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
  });
});

describe('normalization', () => {
  it('fills the compression defaults and keeps the given driver', () => {
    const text = anchoreConfig(LOCALFS_SECTION('object_store', '/d'));
    expect(parseStoreConfigText(text, FILE, noEnv).config.compression).toEqual({
      enabled: false,
      min_size_kbytes: 100,
    });
  });

  it('defaults the driver to db and shallow-merges compression; other section keys are ignored', () => {
    const text = anchoreConfig(
      '    object_store:\n      enabled: true\n      compression: {enabled: true}\n',
    );
    const { config } = parseStoreConfigText(text, FILE, noEnv);
    expect(config).toEqual({
      compression: { enabled: true, min_size_kbytes: 100 },
      storage_driver: { name: 'db', config: {} },
    });
  });

  it('reads YAML 1.1 booleans as Anchore (PyYAML) does', () => {
    const text = anchoreConfig('    object_store:\n      compression: {enabled: yes, min_size_kbytes: 5}\n');
    expect(parseStoreConfigText(text, FILE, noEnv).config.compression).toEqual({
      enabled: true,
      min_size_kbytes: 5,
    });
  });

  it('keeps the swiftclient options Anchore passes on and applies the s3 and swift defaults', () => {
    const s3 = parseStoreConfigText(
      anchoreConfig(
        '    object_store:\n      storage_driver:\n        name: s3\n        config: {bucket: b, iamauto: true}\n',
      ),
      FILE,
      noEnv,
    ).config.storage_driver;
    expect(s3).toEqual({
      name: 's3',
      config: { bucket: 'b', iamauto: true, create_bucket: false, prefix: '' },
    });
    const swift = parseStoreConfigText(
      anchoreConfig(
        '    object_store:\n      storage_driver:\n        name: swift\n' +
          '        config: {container: c, auth_version: 3, os_username: u, os_password: p, os_auth_url: "http://ks/v3"}\n',
      ),
      FILE,
      noEnv,
    ).config.storage_driver;
    expect(swift.config).toEqual({
      container: 'c',
      create_container: false,
      anchore_key_prefix: '',
      auth_version: 3,
      os_username: 'u',
      os_password: 'p',
      os_auth_url: 'http://ks/v3',
    });
  });
});

describe('errors', () => {
  it('names the file of a config that cannot be read', async () => {
    const missing = '/nonexistent/dir/config.yaml';
    await expect(loadStoreConfig(missing, noEnv)).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/^\/nonexistent\/dir\/config\.yaml: .*ENOENT/),
    });
  });

  it('reports malformed YAML with its line and column', async () => {
    const file = tempFile('config.yaml', 'services:\n  catalog:\n    object_store: [unclosed\n  other: x\n');
    const err = await loadStoreConfig(file, noEnv).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/line \d+, column \d+/),
    });
  });

  it('says when a substituted value is what breaks the YAML', () => {
    const text = anchoreConfig('    object_store:\n      storage_driver:\n        name: ${ANCHORE_DRIVER}\n');
    const err = caught(() => parseStoreConfigText(text, FILE, { env: { ANCHORE_DRIVER: 'a: b: c' } }));
    expect(err.name).toBe('ConfigError');
    expect(err.message).toMatch(/line 6, column \d+/);
    expect(err.message).toContain('substituted value');
  });

  it.each([
    ['an empty file', ''],
    ['a list', '- a\n- b\n'],
    ['a config without catalog', 'services:\n  apiext: {enabled: true}\n'],
  ])('refuses %s as not an Anchore config', (_what, text) => {
    const err = caught(() => parseStoreConfigText(text, FILE, noEnv));
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe(`${FILE}: not an Anchore config.yaml: no services.catalog section`);
  });

  it('refuses an unknown driver name', () => {
    const text = anchoreConfig('    object_store:\n      storage_driver: {name: rdbms, config: {}}\n');
    const err = caught(() => parseStoreConfigText(text, FILE, noEnv));
    expect(err.name).toBe('UnknownDriverError');
    expect(err.message).toContain('"rdbms"');
  });

  it('reports a missing bucket and missing credentials together, with full YAML paths', () => {
    const text = anchoreConfig(
      '    object_store:\n      storage_driver: {name: s3, config: {region: us-east-1}}\n',
    );
    const err = caught(() => parseStoreConfigText(text, FILE, noEnv));
    expect(err.name).toBe('ConfigValidationError');
    const base = 'services.catalog.object_store.storage_driver.config';
    expect(err.issues).toEqual([
      `${base}.bucket: Required`,
      expect.stringMatching(
        new RegExp(`^${base.replace(/\./g, '\\.')}\\.access_key: no credentials: .*iamauto: true`),
      ),
    ]);
  });

  it('refuses a relative archive_data_dir and explains why', () => {
    const err = caught(() =>
      parseStoreConfigText(anchoreConfig(LOCALFS_SECTION('archive', 'data/objects')), FILE, noEnv),
    );
    expect(err.name).toBe('ConfigValidationError');
    expect(err.issues).toEqual([
      expect.stringMatching(
        /^services\.catalog\.archive\.storage_driver\.config\.archive_data_dir: must be an absolute path: .*file:\/\//,
      ),
    ]);
  });

  it('describes wrong types in words without showing the value', () => {
    const text = anchoreConfig(
      '    object_store:\n      compression: {min_size_kbytes: -1}\n      storage_driver:\n        name: s3\n' +
        "        config: {bucket: b, access_key: 98765432, secret_key: s, create_bucket: 'yes', url: 'ftp://x'}\n",
    );
    const err = caught(() => parseStoreConfigText(text, FILE, noEnv));
    const issues = err.issues as string[];
    const base = 'services.catalog.object_store';
    expect(issues).toEqual(
      expect.arrayContaining([
        `${base}.compression.min_size_kbytes: must be at least 0`,
        `${base}.storage_driver.config.access_key: expected a string, got a number (quote the value in the YAML so that it stays text)`,
        `${base}.storage_driver.config.create_bucket: expected true or false, got a string (write true or false without quotes)`,
        expect.stringMatching(/config\.url: must be an http:\/\/ or https:\/\/ URL/),
      ]),
    );
    expect(issues).toHaveLength(4);
    expect(err.message).not.toContain('98765432');
  });
});

describe('warnings', () => {
  it('warns about an analysis_archive section without compression (Anchore would fail every write)', () => {
    const text = anchoreConfig(DB_SECTION('object_store') + LOCALFS_SECTION('analysis_archive', '/aa'));
    const loaded = parseStoreConfigText(text, FILE, { ...noEnv, analysisArchive: true });
    expect(loaded.warnings).toEqual([
      expect.stringMatching(/^services\.catalog\.analysis_archive has no compression: /),
    ]);
    const complete = anchoreConfig(
      DB_SECTION('object_store') +
        '    analysis_archive:\n      compression: {enabled: false, min_size_kbytes: 100}\n' +
        '      storage_driver: {name: localfs, config: {archive_data_dir: /aa}}\n',
    );
    expect(parseStoreConfigText(complete, FILE, { ...noEnv, analysisArchive: true }).warnings).toEqual([]);
  });

  it('treats a quoted "true" as disabled compression, as Anchore does, and warns', () => {
    const text = anchoreConfig(
      "    object_store:\n      compression: {enabled: 'true'}\n" + '      storage_driver: {name: db2}\n',
    );
    const loaded = parseStoreConfigText(text, FILE, noEnv);
    expect(loaded.config.compression.enabled).toBe(false);
    expect(loaded.warnings).toEqual([expect.stringContaining('compression.enabled is the string "true"')]);
  });

  it('says that compression has no effect with the db driver', () => {
    const text = anchoreConfig('    object_store:\n      compression: {enabled: true}\n');
    expect(parseStoreConfigText(text, FILE, noEnv).warnings).toEqual([
      'services.catalog.object_store.compression.enabled has no effect: the db driver never stores compressed data.',
    ]);
  });

  it('warns about bucket names Anchore cannot read back and prefixes without a trailing slash', () => {
    const text = anchoreConfig(
      '    object_store:\n      storage_driver:\n        name: s3\n' +
        '        config: {bucket: MyBucket, iamauto: true, prefix: internaltest}\n',
    );
    const { warnings } = parseStoreConfigText(text, FILE, noEnv);
    expect(warnings).toEqual([
      expect.stringContaining('"MyBucket" has upper-case letters'),
      expect.stringContaining('"internaltest" does not end with "/"'),
    ]);
  });
});
