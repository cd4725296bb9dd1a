/**
 * Swift authentication as python-swiftclient does it for Anchore's `SwiftService(options=config)`: legacy v1
 * (tempauth/swauth: `auth` + `user` + `key`), Keystone v2.0 (`os_tenant_name`) or v3 (domains), chosen by
 * swiftclient's `process_options` rules. Each yields a storage URL and a token.
 */
import { BadCredentialsError, DriverConfigurationError, SwiftRequestError } from '../errors';
import { header, type HttpClient, type HttpResponse } from './swift-http';

interface KeystoneCommon {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly regionName?: string;
  /** swiftclient's `os_endpoint_type`: publicURL, internalURL or adminURL. @default publicURL */
  readonly endpointType: string;
}

/** How to obtain a token, from the driver config. Holds secrets: never log it. */
export type SwiftAuth =
  | { readonly version: '1.0'; readonly url: string; readonly user: string; readonly key: string }
  | (KeystoneCommon & { readonly version: '2.0'; readonly tenantName?: string; readonly tenantId?: string })
  | (KeystoneCommon & {
      readonly version: '3';
      readonly userDomainName?: string;
      readonly userDomainId?: string;
      readonly projectName?: string;
      readonly projectId?: string;
      readonly projectDomainName?: string;
      readonly projectDomainId?: string;
    });

/** What a successful authentication gives. */
export interface SwiftSession {
  readonly storageUrl: string;
  readonly token: string;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/**
 * swiftclient's option processing: v1 when `auth`, `user` and `key` are all set (and `auth_version` does not
 * ask for Keystone); otherwise Keystone, v3 when `auth_version` says so or any domain is named, else v2.0.
 * `os_auth_url`/`os_username`/`os_password` fill in for missing `auth`/`user`/`key`.
 * @throws DriverConfigurationError when the credentials are incomplete.
 */
export function swiftAuthFromConfig(c: Readonly<Record<string, unknown>>): SwiftAuth {
  let version = str(c.auth_version) ?? '1.0';
  if (version === '3.0') version = '3';
  if (version === '2') version = '2.0';
  if (version === '1') version = '1.0';
  const legacy = Boolean(str(c.auth) && str(c.user) && str(c.key));
  if (!['2.0', '3'].includes(version) && !legacy) {
    const domains = [
      'os_user_domain_id',
      'os_user_domain_name',
      'os_project_domain_id',
      'os_project_domain_name',
    ];
    version = domains.some((k) => str(c[k])) ? '3' : '2.0';
  }
  const url = str(c.auth) ?? str(c.os_auth_url);
  const user = str(c.user) ?? str(c.os_username);
  const key = str(c.key) ?? str(c.os_password);
  if (!url || !user || !key) {
    throw new DriverConfigurationError(
      'no Swift credentials: set auth, user and key (v1/tempauth), or os_auth_url, os_username and os_password ' +
        '(Keystone; add os_project_name and the domain names for v3, os_tenant_name for v2.0)',
      'swift',
    );
  }
  if (version === '1.0') return { version, url, user, key };
  const common: KeystoneCommon = {
    // Keystone names take precedence for Keystone auth, as in swiftclient (`auth`/`user`/`key` are fallbacks).
    url: str(c.os_auth_url) ?? url,
    username: str(c.os_username) ?? user,
    password: str(c.os_password) ?? key,
    regionName: str(c.os_region_name) ?? str(c.region_name),
    endpointType: str(c.os_endpoint_type) ?? 'publicURL',
  };
  if (version === '2.0') {
    return { ...common, version, tenantName: str(c.os_tenant_name), tenantId: str(c.os_tenant_id) };
  }
  if (version !== '3') {
    throw new DriverConfigurationError(`auth_version must be 1.0, 2.0 or 3, got "${version}"`, 'swift');
  }
  return {
    ...common,
    version,
    userDomainName: str(c.os_user_domain_name),
    userDomainId: str(c.os_user_domain_id),
    projectName: str(c.os_project_name) ?? str(c.os_tenant_name),
    projectId: str(c.os_project_id) ?? str(c.os_tenant_id),
    projectDomainName: str(c.os_project_domain_name),
    projectDomainId: str(c.os_project_domain_id),
  };
}

/** The credentials as error messages show them: the user's first 2 characters, never the key or password. */
export function shownSwiftCredentials(auth: SwiftAuth): Record<string, string> {
  const who = auth.version === '1.0' ? auth.user : auth.username;
  return {
    auth_version: auth.version,
    [auth.version === '1.0' ? 'user' : 'os_username']: `${who.slice(0, 2)}****`,
    [auth.version === '1.0' ? 'key' : 'os_password']: '****',
  };
}

/** Where authentication happens, for messages (no credentials in it). */
export function authEndpoint(auth: SwiftAuth): string {
  return auth.url.replace(/\/\/[^/@]*@/, '//');
}

/** Gets a token and the storage URL. 401/403 (and Keystone's 400 for a malformed identity) → BadCredentialsError. */
export async function authenticate(http: HttpClient, auth: SwiftAuth): Promise<SwiftSession> {
  const rejected = (res: HttpResponse): boolean => [400, 401, 403].includes(res.status);
  const fail = (res: HttpResponse): Error =>
    rejected(res)
      ? new BadCredentialsError(shownSwiftCredentials(auth), authEndpoint(auth))
      : new SwiftRequestError('authentication', authEndpoint(auth), res);

  if (auth.version === '1.0') {
    const res = await http.send({
      method: 'GET',
      base: auth.url,
      headers: { 'X-Auth-User': auth.user, 'X-Auth-Key': auth.key },
    });
    const storageUrl = header(res, 'x-storage-url');
    const token = header(res, 'x-auth-token') ?? header(res, 'x-storage-token');
    if (res.status >= 300 || !storageUrl || !token) throw fail(res);
    return { storageUrl, token };
  }
  if (auth.version === '2.0') {
    const res = await http.send({
      method: 'POST',
      base: keystoneUrl(auth.url, 'v2.0'),
      path: '/tokens',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          passwordCredentials: { username: auth.username, password: auth.password },
          ...(auth.tenantName ? { tenantName: auth.tenantName } : {}),
          ...(auth.tenantId ? { tenantId: auth.tenantId } : {}),
        },
      }),
    });
    if (res.status >= 300) throw fail(res);
    const access = (JSON.parse(res.body.toString('utf8')) as { access?: V2Access }).access;
    const token = access?.token?.id;
    if (!token) throw new SwiftRequestError('Keystone v2.0 token (no token id)', authEndpoint(auth), res);
    return { storageUrl: v2Endpoint(auth, access?.serviceCatalog ?? []), token };
  }
  const domain = (name?: string, id?: string): { domain: { name: string } | { id: string } } => ({
    domain: id ? { id } : name ? { name } : { id: 'default' },
  });
  const project =
    auth.projectId || auth.projectName
      ? {
          scope: {
            project: auth.projectId
              ? { id: auth.projectId }
              : { name: auth.projectName, ...domain(auth.projectDomainName, auth.projectDomainId) },
          },
        }
      : {};
  const res = await http.send({
    method: 'POST',
    base: keystoneUrl(auth.url, 'v3'),
    path: '/auth/tokens',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: auth.username,
              password: auth.password,
              ...domain(auth.userDomainName, auth.userDomainId),
            },
          },
        },
        ...project,
      },
    }),
  });
  if (res.status >= 300) throw fail(res);
  const token = header(res, 'x-subject-token');
  if (!token) throw new SwiftRequestError('Keystone v3 token (no X-Subject-Token)', authEndpoint(auth), res);
  const body = JSON.parse(res.body.toString('utf8')) as { token?: { catalog?: V3Service[] } };
  return { storageUrl: v3Endpoint(auth, body.token?.catalog ?? []), token };
}

interface V2Access {
  token?: { id?: string };
  serviceCatalog?: Array<{ type?: string; endpoints?: Array<Record<string, string | undefined>> }>;
}
interface V3Service {
  type?: string;
  endpoints?: Array<{ interface?: string; region?: string; region_id?: string; url?: string }>;
}

/** `os_auth_url` as users write it (`…:5000`, `…:5000/v3`, `…/identity/v3/`) → the versioned base. */
function keystoneUrl(url: string, version: 'v2.0' | 'v3'): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v(2\.0|3)$/.test(trimmed) ? trimmed : `${trimmed}/${version}`;
}

function noEndpoint(auth: SwiftAuth & KeystoneCommon): Error {
  return new DriverConfigurationError(
    `the Keystone catalog at ${authEndpoint(auth)} has no object-store ${auth.endpointType} endpoint` +
      `${auth.regionName ? ` in region "${auth.regionName}"` : ''}: check os_region_name and os_endpoint_type`,
    'swift',
  );
}

function v2Endpoint(
  auth: Extract<SwiftAuth, { version: '2.0' }>,
  catalog: V2Access['serviceCatalog'],
): string {
  for (const service of catalog ?? []) {
    if (service.type !== 'object-store') continue;
    for (const ep of service.endpoints ?? []) {
      if (auth.regionName && ep.region !== auth.regionName) continue;
      const url = ep[auth.endpointType];
      if (url) return url;
    }
  }
  throw noEndpoint(auth);
}

function v3Endpoint(auth: Extract<SwiftAuth, { version: '3' }>, catalog: V3Service[]): string {
  const wanted = auth.endpointType.replace(/URL$/, ''); // publicURL → public
  for (const service of catalog) {
    if (service.type !== 'object-store') continue;
    for (const ep of service.endpoints ?? []) {
      if (ep.interface !== wanted || !ep.url) continue;
      if (auth.regionName && ep.region !== auth.regionName && ep.region_id !== auth.regionName) continue;
      return ep.url;
    }
  }
  throw noEndpoint(auth);
}
