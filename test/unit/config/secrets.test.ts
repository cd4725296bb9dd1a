import { randomBytes } from 'node:crypto';

import {
  isSealed,
  parseSealingKey,
  parseStoreConfigText,
  resolvePortableStoreConfig,
  scrubSecrets,
  sealSecret,
  toPortableStoreConfig,
  unsealSecret,
} from '../../../src/config';
import { anchoreConfig, caught } from './helpers';

const KEY_B64 = randomBytes(32).toString('base64');
const OTHER_KEY_HEX = randomBytes(32).toString('hex');

describe('sealing', () => {
  const key = parseSealingKey(KEY_B64);

  it('round-trips, with a fresh IV each time and the documented format', () => {
    const a = sealSecret('wJalrXUtnFEMI/K7MDENG', key);
    const b = sealSecret('wJalrXUtnFEMI/K7MDENG', key);
    expect(a).toMatch(/^sealed:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    expect(a.split(':')[2]).toBe(key.id);
    expect(a).not.toBe(b);
    expect(a).not.toContain('wJalr');
    expect(isSealed(a)).toBe(true);
    expect(unsealSecret(a, key)).toBe('wJalrXUtnFEMI/K7MDENG');
    expect(unsealSecret(sealSecret('', key), key)).toBe('');
  });

  it('accepts 64 hex digits and base64url too', () => {
    const hex = parseSealingKey(OTHER_KEY_HEX);
    expect(unsealSecret(sealSecret('x', hex), hex)).toBe('x');
    expect(parseSealingKey(Buffer.from(KEY_B64, 'base64').toString('base64url')).id).toBe(key.id);
  });

  it.each(['short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex') + 'zz'])(
    'refuses a malformed key (%s) and says how to make one',
    (text) => {
      const err = caught(() => parseSealingKey(text));
      expect(err.name).toBe('ConfigError');
      expect(err.message).toContain('openssl rand -base64 32');
      expect(err.message).not.toContain(text);
    },
  );

  it('rejects tampered ciphertext', () => {
    const sealed = sealSecret('secret-value', key);
    const body = Buffer.from(sealed.split(':')[3] ?? '', 'base64url');
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1;
    const tampered = `sealed:v1:${key.id}:${body.toString('base64url')}`;
    const err = caught(() => unsealSecret(tampered, key));
    expect(err.name).toBe('SecretUnsealError');
    expect(err.message).toContain('failed authentication');
  });

  it('rejects a value sealed under another key, saying the keys differ', () => {
    const err = caught(() => unsealSecret(sealSecret('v', parseSealingKey(OTHER_KEY_HEX)), key));
    expect(err.name).toBe('SecretUnsealError');
    expect(err.message).toContain("the worker's OBJECTSTORAGE_SECRET_KEY differs from the CLI's");
  });

  it('rejects a malformed sealed value', () => {
    expect(caught(() => unsealSecret('sealed:v1:zz', key)).name).toBe('SecretUnsealError');
  });
});

const S3_LITERAL = anchoreConfig(
  '    object_store:\n      storage_driver:\n        name: s3\n        config:\n          bucket: docs\n' +
    '          access_key: AKIALITERAL\n          secret_key: literal-secret\n' +
    '          url: "https://minio:url-literal-pw@minio.local:9000"\n          region: us-east-1\n',
);
const S3_REFERENCES = anchoreConfig(
  '    object_store:\n      storage_driver:\n        name: s3\n        config:\n          bucket: ${ANCHORE_BUCKET}\n' +
    '          access_key: ${ANCHORE_AK}\n          secret_key: "${ANCHORE_SK}"\n' +
    '          url: "https://minio:${ANCHORE_URL_PW}@minio.local:9000"\n',
);
const CLI_ENV = {
  ANCHORE_BUCKET: 'docs',
  ANCHORE_AK: 'AKIACLI',
  ANCHORE_SK: 'cli-secret',
  ANCHORE_URL_PW: 'cli-pw',
};

describe('toPortableStoreConfig', () => {
  it('refuses literal secrets without a key, naming every field at once', () => {
    const loaded = parseStoreConfigText(S3_LITERAL, 'c.yaml', { env: {} });
    const err = caught(() => toPortableStoreConfig(loaded, {}));
    expect(err.name).toBe('SecretNotSealableError');
    const base = 'services.catalog.object_store.storage_driver.config';
    expect(err.fields).toEqual([`${base}.access_key`, `${base}.secret_key`, `${base}.url`]);
    expect(err.message).not.toContain('literal-secret');
  });

  it('seals literal secrets and keeps everything else as substituted', () => {
    const loaded = parseStoreConfigText(S3_LITERAL, 'c.yaml', { env: {} });
    const portable = toPortableStoreConfig(loaded, { OBJECTSTORAGE_SECRET_KEY: KEY_B64 });
    const text = JSON.stringify(portable);
    for (const secret of ['AKIALITERAL', 'literal-secret', 'url-literal-pw'])
      expect(text).not.toContain(secret);
    expect(portable.storage_driver.config).toMatchObject({
      bucket: 'docs',
      region: 'us-east-1',
      access_key: expect.stringMatching(/^sealed:v1:/),
      secret_key: expect.stringMatching(/^sealed:v1:/),
      url: expect.stringMatching(/^sealed:v1:/),
    });
    const resolved = resolvePortableStoreConfig(portable, { OBJECTSTORAGE_SECRET_KEY: KEY_B64 });
    expect(resolved).toEqual(loaded.config);
  });

  it('keeps references as references, resolved by the worker from its own environment', () => {
    const loaded = parseStoreConfigText(S3_REFERENCES, 'c.yaml', { env: CLI_ENV });
    const portable = toPortableStoreConfig(loaded, {});
    expect(portable.storage_driver.config).toEqual({
      bucket: 'docs',
      access_key: '${ANCHORE_AK}',
      secret_key: '${ANCHORE_SK}',
      url: 'https://minio:${ANCHORE_URL_PW}@minio.local:9000',
      create_bucket: false,
      prefix: '',
    });
    const workerEnv = { ANCHORE_AK: 'AKIAWORKER', ANCHORE_SK: 'worker-secret', ANCHORE_URL_PW: 'worker-pw' };
    const resolved = resolvePortableStoreConfig(portable, workerEnv);
    expect(resolved.storage_driver).toEqual({
      name: 's3',
      config: {
        bucket: 'docs',
        access_key: 'AKIAWORKER',
        secret_key: 'worker-secret',
        url: 'https://minio:worker-pw@minio.local:9000',
        create_bucket: false,
        prefix: '',
      },
    });
    expect(scrubSecrets('worker-secret and AKIAWORKER and worker-pw')).toBe('**** and **** and ****');
  });

  it('makes the worker name every variable it lacks', () => {
    const portable = toPortableStoreConfig(
      parseStoreConfigText(S3_REFERENCES, 'c.yaml', { env: CLI_ENV }),
      {},
    );
    const err = caught(() => resolvePortableStoreConfig(portable, { ANCHORE_AK: 'x' }));
    expect(err.name).toBe('UnsetVariableError');
    expect(err.variables).toEqual(['ANCHORE_SK', 'ANCHORE_URL_PW']);
  });

  it('makes a worker with another key or no key refuse sealed values', () => {
    const portable = toPortableStoreConfig(parseStoreConfigText(S3_LITERAL, 'c.yaml', { env: {} }), {
      OBJECTSTORAGE_SECRET_KEY: KEY_B64,
    });
    const wrong = caught(() =>
      resolvePortableStoreConfig(portable, { OBJECTSTORAGE_SECRET_KEY: OTHER_KEY_HEX }),
    );
    expect(wrong.name).toBe('SecretUnsealError');
    expect(wrong.message).toContain('differs from the CLI');
    const none = caught(() => resolvePortableStoreConfig(portable, {}));
    expect(none.name).toBe('SecretUnsealError');
    expect(none.message).toContain('OBJECTSTORAGE_SECRET_KEY is not set');
  });

  it('validates again on the worker side', () => {
    const portable = toPortableStoreConfig(
      parseStoreConfigText(S3_REFERENCES, 'c.yaml', { env: CLI_ENV }),
      {},
    );
    const err = caught(() =>
      resolvePortableStoreConfig(portable, { ANCHORE_AK: '', ANCHORE_SK: '', ANCHORE_URL_PW: 'pw' }),
    );
    expect(err.name).toBe('ConfigValidationError');
    expect(err.issues).toEqual([
      expect.stringMatching(/^storage_driver\.config\.access_key: no credentials/),
    ]);
  });

  it('keeps references written unquoted inside a {...} mapping (valid YAML only once substituted)', () => {
    const text = anchoreConfig(
      '    object_store:\n      storage_driver:\n        name: s3\n' +
        '        config: {bucket: b, access_key: ${ANCHORE_AK}, secret_key: ${ANCHORE_SK}}\n',
    );
    const loaded = parseStoreConfigText(text, 'c.yaml', { env: CLI_ENV });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.raw.storage_driver.config).toMatchObject({
      access_key: '${ANCHORE_AK}',
      secret_key: '${ANCHORE_SK}',
    });
    const portable = toPortableStoreConfig(loaded, {});
    expect(portable.storage_driver.config).toMatchObject({
      access_key: '${ANCHORE_AK}',
      secret_key: '${ANCHORE_SK}',
    });
  });

  it('passes db configs through unchanged, with no key needed', () => {
    const loaded = parseStoreConfigText(
      anchoreConfig('    object_store:\n      storage_driver: {name: db2}\n'),
      'c',
      {
        env: {},
      },
    );
    const portable = toPortableStoreConfig(loaded, {});
    expect(portable).toEqual({
      compression: { enabled: false, min_size_kbytes: 100 },
      storage_driver: { name: 'db2', config: {} },
    });
    expect(resolvePortableStoreConfig(portable, {})).toEqual(loaded.config);
  });
});
