/** The Toxiproxy helper's faults, proven on the real PostgreSQL before other tests rely on them. */
import { Client } from 'pg';
import { stackEnv } from '../helpers/stack-env';
import { startToxiproxy, type Proxy, type Toxiproxy } from '../helpers/toxiproxy';

jest.setTimeout(30_000);

const pgUrl = new URL(stackEnv.pgAdminUrl);

let toxiproxy: Toxiproxy | undefined;
let proxy: Proxy;
const clients: Client[] = [];

/** A client of PostgreSQL through the proxy; unexpected-termination errors are expected here, not crashes. */
async function connect(): Promise<Client> {
  const url = new URL(pgUrl);
  url.host = proxy.listen;
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  return client;
}

beforeAll(async () => {
  toxiproxy = await startToxiproxy();
  proxy = await toxiproxy.proxy('pg', `${pgUrl.hostname}:${pgUrl.port || '5432'}`);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await toxiproxy?.stop();
});

test('a query goes through the proxy', async () => {
  expect(proxy.listen).toBe(`127.0.0.1:${proxy.port}`);
  const client = await connect();
  expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

test('cut() drops open connections and refuses new ones; restore() lets them in again', async () => {
  const client = await connect();
  await client.query('SELECT 1');
  await proxy.cut();
  await expect(client.query('SELECT 1')).rejects.toThrow();
  await expect(connect()).rejects.toThrow(/ECONNREFUSED/);
  await proxy.restore();
  const again = await connect();
  await expect(again.query('SELECT 1')).resolves.toBeDefined();
});

test('latency(200) slows a round trip by at least 200 ms', async () => {
  const client = await connect();
  await proxy.latency(200);
  try {
    const started = Date.now();
    await client.query('SELECT 1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  } finally {
    await proxy.clearToxics();
  }
  const started = Date.now();
  await client.query('SELECT 1');
  expect(Date.now() - started).toBeLessThan(150);
});

test('resetPeer() resets new connections', async () => {
  await proxy.resetPeer();
  try {
    await expect(connect()).rejects.toThrow(/ECONNRESET|Connection terminated/);
  } finally {
    await proxy.clearToxics();
  }
  await expect((await connect()).query('SELECT 1')).resolves.toBeDefined();
});
