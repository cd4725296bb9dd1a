import { registerSecret } from '../../src/config/redact';
import { createLogger, type LogFormat, type LogLevel } from '../../src/logger';
import { temporalLogger } from '../../src/logging/temporal';

const SECRET = 's3cr3t-value-for-logger-test';
const QUOTED_SECRET = 'pa"ss\\word-for-logger-test';
registerSecret(SECRET);
registerSecret(QUOTED_SECRET);

function capture(level: LogLevel = 'debug', format: LogFormat = 'json') {
  const lines: string[] = [];
  const log = createLogger(level, (l) => lines.push(l), { format });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, records };
}

describe('json format', () => {
  test('one JSON object per line with level, ISO time, msg and the fields', () => {
    const { log, lines, records } = capture();
    log.info('worker ready on task queue q', { slots: 8, nested: { a: [1, 'b'] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\n$/);
    const [rec] = records();
    expect(rec).toMatchObject({ level: 'info', msg: 'worker ready on task queue q', slots: 8 });
    expect(rec?.nested).toEqual({ a: [1, 'b'] });
    expect(new Date(String(rec?.time)).toISOString()).toBe(rec?.time);
  });

  test('errors in fields keep name, message, stack, cause and context fields', () => {
    const { log, records } = capture();
    const cause = new TypeError('socket closed');
    const err = Object.assign(new RangeError('bad page', { cause }), { bucket: 'b1' });
    log.error('copy failed', { err, wrapped: { inner: err } });
    const rec = records()[0] as { err: Record<string, unknown>; wrapped: { inner: Record<string, unknown> } };
    expect(rec.err).toMatchObject({ name: 'RangeError', message: 'bad page', bucket: 'b1' });
    expect(rec.err.stack).toContain('RangeError: bad page');
    expect(rec.err.cause).toMatchObject({ name: 'TypeError', message: 'socket closed' });
    expect(rec.wrapped.inner).toMatchObject({ name: 'RangeError', message: 'bad page' });
  });

  test('cycles, bigints and byte buffers do not break a line', () => {
    const { log, records } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    log.info('odd values', { loop, big: 10n ** 20n, body: Buffer.alloc(4096) });
    expect(records()[0]).toMatchObject({
      loop: { name: 'loop', self: '[Circular]' },
      big: '100000000000000000000',
      body: '[4096 bytes]',
    });
  });
});

describe('pretty format', () => {
  test('time LEVEL message {fields}, error stacks on the lines below', () => {
    const { log, lines } = capture('debug', 'pretty');
    log.info('worker ready on task queue q (8 activity slots)');
    log.warn('page retried', { page: 3, err: new Error('timeout') });
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO worker ready on task queue q \(8 activity slots\)\n$/,
    );
    const [head, ...stack] = (lines[1] ?? '').trimEnd().split('\n');
    expect(head).toMatch(/Z WARN page retried \{"page":3,"err":"Error: timeout"\}$/);
    expect(stack[0]).toBe('    Error: timeout');
    expect(stack[1]).toMatch(/^ {4}at /);
    expect(lines[1]).not.toContain('"pid"');
  });
});

describe.each<LogFormat>(['json', 'pretty'])('registered secrets never appear (%s)', (format) => {
  test('not in the message, fields, nested fields, keys, arrays, error messages or stacks', () => {
    const { log, lines } = capture('debug', format);
    const err = new Error(`connect failed for user:${SECRET}@db`);
    log.debug(`connecting with ${SECRET}`, {
      url: `postgresql://u:${SECRET}@127.0.0.1/db`,
      deep: { list: [{ note: `x${SECRET}y` }], [SECRET]: 1 },
      err,
      wrapped: { cause: err },
      quoted: `q${QUOTED_SECRET}q`,
    });
    const out = lines.join('');
    expect(out).toContain('connecting with ****');
    expect(out).toContain('connect failed for user:****@db');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain('s3cr3t');
    expect(out).not.toContain('ss\\\\word');
    expect(out).not.toContain('ss\\word');
  });
});

test('fields named like secrets are censored at any depth, other fields kept', () => {
  const { log, records } = capture();
  log.info('config', {
    password: 'unregistered-pw',
    s3: { access_key: 'AKIA-unregistered', secret_key: 'sk-unregistered', bucket: 'b' },
    a: { b: { c: { d: { authorization: 'Bearer t', secretAccessKey: 'x', region: 'r' } } } },
    list: [{ token: 't1' }],
  });
  expect(records()[0]).toMatchObject({
    password: '****',
    s3: { access_key: '****', secret_key: '****', bucket: 'b' },
    a: { b: { c: { d: { authorization: '****', secretAccessKey: '****', region: 'r' } } } },
    list: [{ token: '****' }],
  });
});

test('levels below the threshold are dropped, silent drops everything', () => {
  const warn = capture('warn');
  warn.log.debug('hidden');
  warn.log.info('hidden');
  warn.log.warn('shown');
  warn.log.error('shown too');
  expect(warn.records().map((r) => [r.level, r.msg])).toEqual([
    ['warn', 'shown'],
    ['error', 'shown too'],
  ]);
  const silent = capture('silent');
  silent.log.error('nothing');
  expect(silent.lines).toEqual([]);
});

test('the Temporal SDK adapter maps levels and keeps activity, workflow and failure, scrubbed', () => {
  const { log, records } = capture('debug');
  const sdk = temporalLogger(log);
  sdk.trace('core trace');
  sdk.log('WARN', 'Activity failed', {
    activityType: 'copyPage',
    workflowId: 'wf-1',
    error: new Error(`denied for ${SECRET}`),
    taskToken: new Uint8Array(8),
  });
  sdk.info('Worker state changed', { state: 'DRAINING', sdkComponent: 'worker' });
  sdk.error('boom');
  expect(records()).toEqual([
    expect.objectContaining({ level: 'debug', msg: 'core trace' }),
    expect.objectContaining({
      level: 'warn',
      msg: 'Activity failed',
      activity: 'copyPage',
      workflowId: 'wf-1',
      error: 'Error: denied for ****',
    }),
    expect.objectContaining({ level: 'info', msg: 'Worker state changed', state: 'DRAINING' }),
    expect.objectContaining({ level: 'error', msg: 'boom' }),
  ]);
  expect(records()[1]).not.toHaveProperty('taskToken');
});
