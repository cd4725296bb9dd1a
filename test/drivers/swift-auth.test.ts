/**
 * Swift authentication choices (python-swiftclient's rules) and Keystone token handling. No Keystone runs in the
 * dev stack, so a minimal Keystone (v2.0 and v3 token APIs, written here) hands out tokens that the real Swift
 * of the stack issued through tempauth; every object request still goes to the real Swift.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSwiftDriver } from '../../src/drivers/swift';
import { swiftAuthFromConfig } from '../../src/drivers/swift-auth';
import { stackEnv } from '../helpers/stack-env';

describe('swiftAuthFromConfig follows python-swiftclient', () => {
  test('auth + user + key → v1 (tempauth)', () => {
    expect(swiftAuthFromConfig({ auth: 'http://s/auth/v1.0', user: 'a:b', key: 'k' })).toEqual({
      version: '1.0',
      url: 'http://s/auth/v1.0',
      user: 'a:b',
      key: 'k',
    });
  });
  test('Keystone names with a domain → v3; auth_version may be a YAML number', () => {
    const base = {
      os_auth_url: 'http://ks:5000/v3',
      os_username: 'u',
      os_password: 'p',
      os_project_name: 'pr',
    };
    expect(swiftAuthFromConfig({ ...base, os_user_domain_name: 'D' })).toMatchObject({
      version: '3',
      username: 'u',
      projectName: 'pr',
      userDomainName: 'D',
      endpointType: 'publicURL',
    });
    expect(swiftAuthFromConfig({ ...base, auth_version: 3 })).toMatchObject({ version: '3' });
  });
  test('Keystone names without a domain → v2.0 with os_tenant_name', () => {
    expect(
      swiftAuthFromConfig({
        os_auth_url: 'http://ks/v2.0',
        os_username: 'u',
        os_password: 'p',
        os_tenant_name: 't',
      }),
    ).toMatchObject({ version: '2.0', tenantName: 't' });
  });
  test('incomplete credentials → DriverConfigurationError', () => {
    expect(() => swiftAuthFromConfig({ auth: 'http://s/auth/v1.0', user: 'a:b' })).toThrow(
      expect.objectContaining({ name: 'DriverConfigurationError' }),
    );
  });
});

async function tempauthToken(): Promise<{ storageUrl: string; token: string }> {
  const res = await fetch(stackEnv.swiftAuthUrl, {
    headers: { 'X-Auth-User': stackEnv.swiftUser, 'X-Auth-Key': stackEnv.swiftKey },
  });
  return { storageUrl: res.headers.get('x-storage-url') ?? '', token: res.headers.get('x-auth-token') ?? '' };
}

/** The parts of a token request the fake Keystone reads. */
interface TokenRequest {
  auth: {
    identity?: { password: { user: { password: string } } };
    passwordCredentials?: { password: string };
  };
}

async function jsonBody(req: IncomingMessage): Promise<TokenRequest> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

describe('Keystone v3 and v2.0 in front of the real Swift', () => {
  let server: Server;
  let keystone: string;
  const requests: Array<{ path: string; body: TokenRequest }> = [];
  let bogusFirst = false;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await jsonBody(req);
      requests.push({ path: req.url ?? '', body });
      const real = await tempauthToken();
      // The first token of a run can be made invalid, to prove the driver authenticates again on a 401.
      const token = bogusFirst && requests.length === 1 ? 'AUTH_tk-expired-token' : real.token;
      const endpoints = [
        { region: 'RegionOne', url: 'http://127.0.0.1:9/v1/AUTH_wrong-region' },
        { region: 'RegionTwo', url: real.storageUrl },
      ];
      if (req.url === '/v3/auth/tokens') {
        if (body.auth.identity?.password.user.password !== 'ks-secret')
          return void res.writeHead(401).end('{"error":{"code":401}}');
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': token });
        const catalog = [
          {
            type: 'object-store',
            endpoints: endpoints.flatMap((e) => [
              { interface: 'internal', region: e.region, url: 'http://127.0.0.1:9/internal' },
              { interface: 'public', region: e.region, url: e.url },
            ]),
          },
        ];
        return void res.end(JSON.stringify({ token: { catalog } }));
      }
      if (req.url === '/v2.0/tokens') {
        if (body.auth.passwordCredentials?.password !== 'ks-secret') return void res.writeHead(401).end();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const serviceCatalog = [
          { type: 'object-store', endpoints: endpoints.map((e) => ({ region: e.region, publicURL: e.url })) },
        ];
        return void res.end(JSON.stringify({ access: { token: { id: token }, serviceCatalog } }));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    keystone = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    requests.length = 0;
    bogusFirst = false;
  });

  const roundTrip = async (config: Record<string, unknown>): Promise<void> => {
    const container = `aos-ks-${randomUUID().slice(0, 8)}`;
    const driver = createSwiftDriver({
      container,
      createContainer: true,
      auth: swiftAuthFromConfig(config),
    });
    await driver.selfCheck();
    const uri = await driver.put({ userId: 'ks', bucket: 'b', key: 'k' }, Buffer.from('via keystone'));
    expect((await driver.get(uri)).toString()).toBe('via keystone');
    await driver.delete(uri);
    await driver.close();
  };

  test('v3: password auth scoped to a project, object-store endpoint of os_region_name', async () => {
    await roundTrip({
      os_auth_url: `${keystone}/v3`,
      os_username: 'alice',
      os_password: 'ks-secret',
      os_project_name: 'anchore',
      os_project_domain_name: 'Default',
      os_user_domain_name: 'Default',
      os_region_name: 'RegionTwo',
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'alice', password: 'ks-secret', domain: { name: 'Default' } } },
        },
        scope: { project: { name: 'anchore', domain: { name: 'Default' } } },
      },
    });
  });

  test('v2.0: tenant name, region endpoint', async () => {
    await roundTrip({
      os_auth_url: keystone, // without /v2.0, as users often write it
      os_username: 'alice',
      os_password: 'ks-secret',
      os_tenant_name: 'anchore',
      os_region_name: 'RegionTwo',
    });
    expect(requests.map((r) => r.path)).toEqual(['/v2.0/tokens']);
    expect(requests[0]?.body).toEqual({
      auth: { passwordCredentials: { username: 'alice', password: 'ks-secret' }, tenantName: 'anchore' },
    });
  });

  test('a token Swift rejects (401) is replaced by a fresh one, once', async () => {
    bogusFirst = true;
    await roundTrip({
      os_auth_url: `${keystone}/v3`,
      auth_version: '3',
      os_username: 'alice',
      os_password: 'ks-secret',
      os_project_name: 'anchore',
      os_region_name: 'RegionTwo',
    });
    expect(requests).toHaveLength(2);
  });

  test('wrong Keystone password → BadCredentialsError without the password', async () => {
    const driver = createSwiftDriver({
      container: 'never-created',
      auth: swiftAuthFromConfig({
        os_auth_url: `${keystone}/v3`,
        os_username: 'alice',
        os_password: 'wrong-ks-password',
        os_user_domain_name: 'Default',
      }),
    });
    const err = await driver.selfCheck().catch((e: Error) => e);
    await driver.close();
    expect(err).toMatchObject({ name: 'BadCredentialsError' });
    expect((err as Error).message).not.toContain('wrong-ks-password');
  });

  test('no object-store endpoint in the region → DriverConfigurationError naming os_region_name', async () => {
    const driver = createSwiftDriver({
      container: 'never-created',
      auth: swiftAuthFromConfig({
        os_auth_url: `${keystone}/v3`,
        os_username: 'alice',
        os_password: 'ks-secret',
        os_user_domain_name: 'Default',
        os_region_name: 'RegionNine',
      }),
    });
    await expect(driver.selfCheck()).rejects.toMatchObject({
      name: 'DriverConfigurationError',
      message: expect.stringContaining('RegionNine'),
    });
    await driver.close();
  });
});
