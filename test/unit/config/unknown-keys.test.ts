/**
 * A key Anchore does not know is a mistake we must not act on (issue 21, item 2): Anchore ignores it, so
 * `storage_drvier:` silently means the default db driver, and a migration from it would move the object store
 * into PostgreSQL. Every section we read refuses unknown keys by name, with the nearest valid one.
 */
import { parseStoreConfigText } from '../../../src/config';
import { anchoreConfig, caught } from './helpers';

const FILE = '/etc/anchore/config.yaml';
const noEnv = { env: {} };
const load = (section: string) => () => parseStoreConfigText(anchoreConfig(section), FILE, noEnv);

test('a misspelt storage_driver is refused, naming the key and the one meant', () => {
  const err = caught(
    load(
      '    object_store:\n      storage_drvier:\n        name: s3\n        config: {bucket: b, iamauto: true}\n',
    ),
  );
  expect(err.name).toBe('UnknownConfigKeyError');
  expect(err.message).toMatch(
    /services\.catalog\.object_store\.storage_drvier: unknown key; did you mean storage_driver\?/,
  );
  expect(err.message).toMatch(/Anchore ignores keys it does not know/);
});

test('unknown keys are refused in compression, storage_driver and each driver config, all reported at once', () => {
  const err = caught(
    load(
      '    object_store:\n      compression: {enabled: true, min_size_kbyte: 10}\n      storage_driver:\n' +
        '        name: s3\n        nmae: s3\n        config: {bucket: b, iamauto: true, regoin: eu-west-1, x_extra: 1}\n',
    ),
  );
  expect(err.name).toBe('UnknownConfigKeyError');
  expect(err.issues).toEqual([
    'services.catalog.object_store.compression.min_size_kbyte: unknown key; did you mean min_size_kbytes?',
    'services.catalog.object_store.storage_driver.nmae: unknown key; did you mean name?',
    'services.catalog.object_store.storage_driver.config.regoin: unknown key; did you mean region?',
    'services.catalog.object_store.storage_driver.config.x_extra: unknown key (valid: bucket, access_key, ' +
      'secret_key, iamauto, url, region, create_bucket, prefix)',
  ]);
});

test('localfs, db and swift configs refuse keys their driver never reads', () => {
  expect(
    caught(load('    object_store:\n      storage_driver: {name: localfs, config: {archive_dir: /d}}\n'))
      .message,
  ).toMatch(/config\.archive_dir: unknown key; did you mean archive_data_dir\?/);
  expect(
    caught(load('    object_store:\n      storage_driver: {name: db, config: {bucket: b}}\n')).message,
  ).toMatch(/config\.bucket: unknown key \(the db driver reads no config keys\)/);
  expect(
    caught(
      load(
        '    object_store:\n      storage_driver:\n        name: swift\n' +
          '        config: {container: c, user: u, key: k, auth: "http://s/auth/v1.0", contaner: c}\n',
      ),
    ).message,
  ).toMatch(/config\.contaner: unknown key; did you mean container\?/);
});

test("keys Anchore and swiftclient read, and the section keys of Anchore's own docs and chart, are accepted", () => {
  const s3 = load(
    '    object_store:\n      enabled: true\n      verify_content_digests: true\n      direct_access: false\n' +
      '      compression: {enabled: false, min_size_kbytes: 100}\n      storage_driver:\n        name: s3\n' +
      '        config: {bucket: b, access_key: a, secret_key: s, url: "http://s3:9000", region: r, create_bucket: true, prefix: p/}\n',
  )();
  expect(s3.config.storage_driver.name).toBe('s3');
  const swift = load(
    '    object_store:\n      storage_driver:\n        name: swift\n        config:\n          container: c\n' +
      '          auth_version: 3\n          os_username: u\n          os_password: p\n          os_auth_url: "http://ks/v3"\n' +
      '          os_project_name: pr\n          os_project_domain_name: Default\n          os_user_domain_name: Default\n' +
      '          os_region_name: RegionOne\n          insecure: true\n          retries: 3\n',
  )();
  expect(swift.config.storage_driver.name).toBe('swift');
});
