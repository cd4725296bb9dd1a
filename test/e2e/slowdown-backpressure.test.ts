/**
 * An S3 endpoint that answers 503 SlowDown above a request rate, as AWS does per prefix (a proxy in front of the
 * real VersityGW holds the rate): the migration slows itself down for all its workers, says so in `status`, and
 * finishes with every document moved and none failed (issue 22, item 4).
 */
import type { IncomingMessage } from 'node:http';
import { taggedFixture } from '../helpers/fixture';
import { waitFor } from '../helpers/processes';
import type { S3Rule } from '../helpers/s3-behaviour-proxy';
import { proxiedWorldPerFile } from '../helpers/proxied-world';
import { stackEnv } from '../helpers/stack-env';
import { expectAllAt, s3Through, stores } from '../helpers/world';

jest.setTimeout(300_000);

const env = proxiedWorldPerFile();

/** At most `perSecond` object writes a second (a token bucket holding one second's worth), SlowDown above. */
function slowDownAbove(perSecond: number): S3Rule & { slowDowns: () => number } {
  let tokens = perSecond;
  let at = Date.now();
  let answered = 0;
  const rule = (req: IncomingMessage) => {
    if (req.method !== 'PUT') return undefined;
    const now = Date.now();
    tokens = Math.min(perSecond, tokens + ((now - at) / 1000) * perSecond);
    at = now;
    if (tokens >= 1) {
      tokens -= 1;
      return undefined;
    }
    answered += 1;
    return { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
  };
  return Object.assign(rule, { slowDowns: () => answered });
}

test('503 SlowDown above 30 writes/s: the migration slows down, shows it, and moves everything', async () => {
  const from = stores.db();
  const to = s3Through(stores.s3(), env.proxy.url);
  const docs = taggedFixture('slowdown', 300);
  await env.world.load(from, docs);
  const rule = slowDownAbove(30);
  env.proxy.setRule(rule);
  try {
    const taskId = await env.world.migrateDetached(from, to, '--page-size', '20');
    let slowed = '';
    await waitFor(
      async () => {
        const st = await env.world.cli(['status', String(taskId)]);
        slowed = /slowed:\s+(.*)/.exec(st.stdout)?.[1] ?? slowed;
        return slowed !== '';
      },
      120_000,
      'status to say the stores slowed the migration down',
    );
    expect(slowed).toMatch(/\d+ page\(s\) in flight by the stores .*SlowDown/);
    await waitFor(
      async () => (await env.world.task(taskId)).state !== 'running',
      240_000,
      'the migration to end',
    );
    expect(await env.world.task(taskId)).toEqual({ state: 'complete', total: 300, done: 300 });
    expect(rule.slowDowns()).toBeGreaterThan(0);
  } finally {
    env.proxy.setRule(undefined);
  }
  await expectAllAt(env.world, s3Through(to, stackEnv.s3Endpoint), docs);
});
