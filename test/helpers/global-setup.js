'use strict';
// Integration tests need the dev stack and the built CLI; fail at once with the fix instead of test by test.
const net = require('node:net');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function probe(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port), timeout: 2000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

module.exports = async function globalSetup() {
  const pg = new URL(process.env.OBJECTSTORAGE_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const s3 = new URL(
    process.env.OBJECTSTORAGE_S3_ENDPOINT ?? `http://127.0.0.1:${process.env.S3_PORT ?? '7070'}`,
  );
  const s3b = new URL(
    process.env.OBJECTSTORAGE_S3B_ENDPOINT ?? `http://127.0.0.1:${process.env.SEAWEED_PORT ?? '7090'}`,
  );
  const checks = [
    ['PostgreSQL', pg.hostname, pg.port || '5432'],
    ['S3 (VersityGW)', s3.hostname, s3.port || '80'],
    ['S3 (SeaweedFS)', s3b.hostname, s3b.port || '80'],
    [
      'Temporal',
      ...(process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${process.env.TEMPORAL_PORT ?? '7233'}`).split(':'),
    ],
  ];
  const down = [];
  for (const [name, host, port] of checks)
    if (!(await probe(host, port))) down.push(`${name} at ${host}:${port}`);
  if (down.length > 0) {
    throw new Error(
      `integration tests need the dev stack; not reachable: ${down.join(', ')}. Run: scripts/stack.sh up`,
    );
  }
  if (!existsSync(join(__dirname, '../../lib/cli/main.js'))) {
    throw new Error('CLI tests run the built CLI; run `npm run build` first (make test does).');
  }
};
