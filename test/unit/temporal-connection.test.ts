/** Where the CLI and workers find Temporal: profile file, then TEMPORAL_* variables, then flags. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TEMPORAL_ADDRESS, resolveTemporalTarget } from '../../src/shared/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'aos-temporal-'));
const pem = join(dir, 'x.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n');
const profiles = join(dir, 'temporal.toml');
writeFileSync(
  profiles,
  '[profile.default]\naddress = "default.example:7233"\n' +
    '[profile.prod]\naddress = "prod.example:7233"\nnamespace = "prod"\napi_key = "k-123"\n',
);
// No file: an empty HOME has no ~/.config/temporalio/temporal.toml.
const noFile = { HOME: dir, TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') };

test('nothing given: the default address, not given (embedded mode may be chosen), plaintext', () => {
  const t = resolveTemporalTarget({}, noFile);
  expect(t).toMatchObject({ address: DEFAULT_TEMPORAL_ADDRESS, addressGiven: false, namespace: 'default' });
  expect(t.security).toBe('plaintext');
  expect(t.connection).toEqual({});
});

test('precedence: profile < TEMPORAL_* variables < flags', () => {
  const env = { ...noFile, TEMPORAL_CONFIG_FILE: profiles };
  expect(resolveTemporalTarget({}, env).address).toBe('default.example:7233');
  expect(resolveTemporalTarget({ profile: 'prod' }, env)).toMatchObject({
    address: 'prod.example:7233',
    addressGiven: true,
    namespace: 'prod',
    security: 'TLS, API key',
  });
  const byEnv = { ...env, TEMPORAL_ADDRESS: 'env.example:7233', TEMPORAL_NAMESPACE: 'env-ns' };
  expect(resolveTemporalTarget({ profile: 'prod' }, byEnv)).toMatchObject({
    address: 'env.example:7233',
    namespace: 'env-ns',
  });
  expect(
    resolveTemporalTarget({ profile: 'prod', address: 'flag.example:7233', namespace: 'flag-ns' }, byEnv),
  ).toMatchObject({ address: 'flag.example:7233', namespace: 'flag-ns' });
});

test('an API key implies TLS; a CA or a client certificate does too, and mTLS is told apart', () => {
  const key = resolveTemporalTarget({}, { ...noFile, TEMPORAL_API_KEY: 'secret-key' });
  expect(key.connection).toMatchObject({ apiKey: 'secret-key', tls: true });
  expect(key.security).toBe('TLS, API key');
  expect(resolveTemporalTarget({ tlsCaFile: pem }, noFile).security).toBe('TLS');
  expect(resolveTemporalTarget({ tlsCertFile: pem, tlsKeyFile: pem }, noFile).security).toBe('mTLS');
  expect(resolveTemporalTarget({ tls: false }, { ...noFile, TEMPORAL_TLS: 'true' }).security).toBe(
    'plaintext',
  );
});

test('a certificate without its key, a file that is not there and an unknown profile are TemporalConfigErrors', () => {
  expect(() => resolveTemporalTarget({ tlsCertFile: pem }, noFile)).toThrow(
    expect.objectContaining({
      name: 'TemporalConfigError',
      message: expect.stringContaining('--temporal-tls-key'),
    }),
  );
  expect(() => resolveTemporalTarget({ tlsCaFile: join(dir, 'nope.pem') }, noFile)).toThrow(
    expect.objectContaining({ name: 'TemporalConfigError', message: expect.stringContaining('nope.pem') }),
  );
  expect(() =>
    resolveTemporalTarget({ profile: 'staging' }, { ...noFile, TEMPORAL_CONFIG_FILE: profiles }),
  ).toThrow(
    expect.objectContaining({ name: 'TemporalConfigError', message: expect.stringContaining('staging') }),
  );
});
