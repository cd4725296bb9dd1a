import {
  isSecretKey,
  parseStoreConfigText,
  redactDeep,
  redactStoreConfig,
  redactUrl,
  redactValue,
  registerSecret,
  scrubSecrets,
} from '../../../src/config';
import { anchoreConfig } from './helpers';

describe('isSecretKey', () => {
  it.each([
    'access_key',
    'secret_key',
    'key',
    'os_password',
    'password',
    'passwd',
    'auth_token',
    'Credentials',
    'SECRET',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));
  it.each([
    'anchore_key_prefix',
    'min_size_kbytes',
    'bucket',
    'prefix',
    'url',
    'region',
    'os_username',
    'container',
  ])('%s is not', (key) => expect(isSecretKey(key)).toBe(false));
});

describe('redactValue', () => {
  it('hides any secret behind the same mask, whatever its length', () => {
    expect(redactValue('a')).toBe('****');
    expect(redactValue('a-much-longer-secret-value')).toBe('****');
    expect(redactValue(12345)).toBe('****');
  });
  it('keeps references and absent values', () => {
    expect(redactValue('${ANCHORE_S3_SECRET}')).toBe('${ANCHORE_S3_SECRET}');
    expect(redactValue(undefined)).toBeUndefined();
    expect(redactValue('x${ANCHORE_S3_SECRET}')).toBe('****');
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgresql://user:pw@host:5432/db', 'postgresql://user:****@host:5432/db'],
    [
      'postgresql+pg8000://anchore:s3cr3t@db.internal/anchore',
      'postgresql+pg8000://anchore:****@db.internal/anchore',
    ],
    ['https://minio:minio123@minio.local:9000', 'https://minio:****@minio.local:9000'],
    // Unparseable: unencoded / and @ in the password.
    ['postgresql://user:pa/ss@word@host/db', 'postgresql://user:****@host/db'],
    ['postgresql://user:p#w@host/db', 'postgresql://user:****@host/db'],
    // Nothing to hide.
    ['https://host:9000/path@x', 'https://host:9000/path@x'],
    ['postgresql://user@host/db', 'postgresql://user@host/db'],
    ['not a url', 'not a url'],
    [
      'postgresql://${ANCHORE_DB_USER}:${ANCHORE_DB_PASSWORD}@${ANCHORE_DB_HOST}:${ANCHORE_DB_PORT}/x',
      'postgresql://${ANCHORE_DB_USER}:${ANCHORE_DB_PASSWORD}@${ANCHORE_DB_HOST}:${ANCHORE_DB_PORT}/x',
    ],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('redactStoreConfig', () => {
  it('never shows a known secret', () => {
    const text = anchoreConfig(
      '    object_store:\n      storage_driver:\n        name: swift\n        config:\n          container: c\n' +
        '          user: admin\n          key: legacy-swift-key-1\n          os_password: keystone-pass-2\n' +
        '          os_auth_url: "https://admin:url-pass-3@keystone:5000/v3"\n          meta: {token: nested-token-4}\n',
    );
    const { config } = parseStoreConfigText(text, 'c.yaml', { env: {} });
    const printed = JSON.stringify(redactStoreConfig(config));
    for (const secret of ['legacy-swift-key-1', 'keystone-pass-2', 'url-pass-3', 'nested-token-4']) {
      expect(printed).not.toContain(secret);
    }
    expect(redactStoreConfig(config).storage_driver.config).toEqual({
      container: 'c',
      create_container: false,
      anchore_key_prefix: '',
      user: 'admin',
      key: '****',
      os_password: '****',
      os_auth_url: 'https://admin:****@keystone:5000/v3',
      meta: { token: '****' },
    });
    // The input is untouched.
    expect(config.storage_driver.config).toMatchObject({ key: 'legacy-swift-key-1' });
  });

  it('redactDeep handles any tree, lists included', () => {
    expect(redactDeep({ a: [{ secret_key: 'x' }], db: 'postgresql://u:p@h/d' })).toEqual({
      a: [{ secret_key: '****' }],
      db: 'postgresql://u:****@h/d',
    });
  });
});

describe('scrubSecrets', () => {
  it('replaces every registered value, longest first, and ignores short values and references', () => {
    registerSecret('abc');
    registerSecret('${ANCHORE_X}');
    registerSecret('hunter2');
    registerSecret('hunter2hunter2');
    expect(scrubSecrets('abc hunter2hunter2 / hunter2 / ${ANCHORE_X}')).toBe(
      'abc **** / **** / ${ANCHORE_X}',
    );
  });

  it('knows every secret the loader substituted, URL passwords included (raw and decoded)', () => {
    const text = anchoreConfig(
      '    object_store:\n      storage_driver:\n        name: s3\n        config:\n          bucket: b\n' +
        '          access_key: ${ANCHORE_AK}\n          secret_key: ${ANCHORE_SK}\n' +
        '          url: "https://u:p%40ssword@minio:9000"\n',
    );
    parseStoreConfigText(text, 'c.yaml', {
      env: { ANCHORE_AK: 'AKIAFROMENV', ANCHORE_SK: 'secret-from-env' },
    });
    const line =
      'SignatureDoesNotMatch for AKIAFROMENV using secret-from-env at https://u:p%40ssword@minio (p@ssword)';
    expect(scrubSecrets(line)).toBe(
      'SignatureDoesNotMatch for **** using **** at https://u:****@minio (****)',
    );
  });
});
