import { registerSecret } from '../../src/config/redact';
import { createLogger } from '../../src/logger';

test('log lines never carry a registered secret, whatever the caller passes', () => {
  registerSecret('s3cr3t-value-for-logger-test');
  const lines: string[] = [];
  const log = createLogger('debug', (l) => lines.push(l));
  log.debug('connecting with s3cr3t-value-for-logger-test', {
    config: { secret_key: 's3cr3t-value-for-logger-test' },
  });
  log.error('failed');
  expect(lines).toHaveLength(2);
  expect(lines.join('')).not.toContain('s3cr3t-value-for-logger-test');
  expect(lines[0]).toContain('DEBUG connecting with ****');
});

test('levels below the threshold are dropped', () => {
  const lines: string[] = [];
  const log = createLogger('warn', (l) => lines.push(l));
  log.info('hidden');
  log.warn('shown');
  expect(lines).toEqual([expect.stringContaining('WARN shown')]);
});
