/**
 * The activity metrics wrapper: what each page activity returns becomes counter increments with bounded labels,
 * every call (failed ones too) is timed, and results and errors pass through untouched.
 */
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricKind,
  MetricMeter,
  MetricTags,
  NumericMetricValueType,
} from '@temporalio/common';
import type { DeleteCounts } from '../../src/activities/source-deletes';
import { createActivityMetrics, METRIC_NAMES, pageOutcomes } from '../../src/activities/metrics';
import type { MigrationInput, PageBounds, PageCounts } from '../../src/shared/migration';

interface Sample {
  readonly name: string;
  readonly value: number;
  readonly tags: MetricTags;
}

/** A meter that keeps every recorded value, so the test reads exactly what would reach Prometheus. */
function recordingMeter(): { meter: MetricMeter; samples: Sample[]; units: Map<string, string> } {
  const samples: Sample[] = [];
  const units = new Map<string, string>();
  const metric = (kind: MetricKind, name: string, unit = '', valueType: NumericMetricValueType = 'int') => {
    units.set(name, unit);
    const push = (value: number, tags: MetricTags = {}): void => {
      samples.push({ name, value, tags });
    };
    const m = {
      name,
      unit,
      description: '',
      kind,
      valueType,
      add: push,
      record: push,
      set: push,
      withTags: () => m,
    };
    return m;
  };
  const meter: MetricMeter = {
    createCounter: (name, unit) => metric('counter', name, unit) as MetricCounter,
    createHistogram: (name, valueType, unit) => metric('histogram', name, unit, valueType) as MetricHistogram,
    createGauge: (name, valueType, unit) => metric('gauge', name, unit, valueType) as MetricGauge,
    withTags: () => meter,
  };
  return { meter, samples, units };
}

const input = {
  taskId: 7,
  from: { compression: { enabled: false, min_size_kbytes: 100 }, storage_driver: { name: 'db', config: {} } },
  to: {
    compression: { enabled: true, min_size_kbytes: 1 },
    storage_driver: { name: 's3', config: { bucket: 'b', secret_key: 'top-secret' } },
  },
} as unknown as MigrationInput;
const page = { index: 3, last: { bucket: 'b', archiveId: 'sha256:abc', userId: 'admin', documentName: 'x' } };
const drivers = { source_driver: 'db', destination_driver: 's3' };

const sum = (samples: Sample[], name: string): number =>
  samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);

test('copyPage: copied documents, bytes and failures are counted with activity and driver labels', async () => {
  const { meter, samples } = recordingMeter();
  const counts: PageCounts = { documents: 9, bytes: 12_345, failed: 1 };
  const copyPage = async (_i: MigrationInput, _p: PageBounds): Promise<PageCounts> => counts;
  const observed = createActivityMetrics(meter).observe(copyPage, pageOutcomes.copyPage);

  await expect(observed(input, page as unknown as PageBounds)).resolves.toBe(counts);
  expect(observed.name).toBe('copyPage');
  const labels = { activity_type: 'copyPage', ...drivers };
  expect(samples.filter((s) => s.name !== METRIC_NAMES.duration)).toEqual([
    { name: METRIC_NAMES.copied, value: 9, tags: labels },
    { name: METRIC_NAMES.copiedBytes, value: 12_345, tags: labels },
    { name: METRIC_NAMES.failed, value: 1, tags: labels },
  ]);
  const timing = samples.filter((s) => s.name === METRIC_NAMES.duration);
  expect(timing).toHaveLength(1);
  expect(timing[0]?.tags).toEqual({ ...labels, outcome: 'ok' });
  expect(timing[0]?.value).toBeGreaterThanOrEqual(0);
  expect(timing[0]?.value).toBeLessThan(5); // seconds, not milliseconds
});

test('verify, delete and fail pages add to their own counters; zeros are recorded so series exist', async () => {
  const { meter, samples } = recordingMeter();
  const metrics = createActivityMetrics(meter);
  const verifyPage = async (_i: MigrationInput) => ({ switched: 8, failed: 0 });
  const deletePage = async (_i: MigrationInput) => ({ deleted: 8, stale: 0 });
  const failPage = async (_i: MigrationInput, _p: unknown, _reason: string) => 2;
  await metrics.observe(verifyPage, pageOutcomes.verifyPage)(input);
  await metrics.observe(deletePage, pageOutcomes.deletePage)(input);
  await metrics.observe(failPage, pageOutcomes.failPage)(input, page, 'boom');

  expect(sum(samples, METRIC_NAMES.verified)).toBe(8);
  expect(sum(samples, METRIC_NAMES.deleted)).toBe(8);
  expect(sum(samples, METRIC_NAMES.copied)).toBe(0);
  const failed = samples.filter((s) => s.name === METRIC_NAMES.failed);
  expect(failed.map((s) => [s.tags.activity_type, s.value])).toEqual([
    ['verifyPage', 0],
    ['failPage', 2],
  ]);
  const timed = samples.filter((s) => s.name === METRIC_NAMES.duration).map((s) => s.tags.activity_type);
  expect(timed).toEqual(['verifyPage', 'deletePage', 'failPage']);
});

test('a failing activity is timed with outcome=error, counts nothing and rethrows the same error', async () => {
  const { meter, samples } = recordingMeter();
  const err = new Error('S3 down');
  const deletePage = async (_i: MigrationInput): Promise<DeleteCounts> => {
    throw err;
  };
  const observed = createActivityMetrics(meter).observe(deletePage, pageOutcomes.deletePage);

  await expect(observed(input)).rejects.toBe(err);
  expect(samples).toHaveLength(1);
  expect(samples[0]).toMatchObject({
    name: METRIC_NAMES.duration,
    tags: { activity_type: 'deletePage', outcome: 'error', ...drivers },
  });
});

test('labels stay bounded: unknown driver names become "unknown", no task id, key or config value leaks', async () => {
  const { meter, samples } = recordingMeter();
  const odd = {
    ...input,
    to: { ...input.to, storage_driver: { name: 'https://user:pw@host/', config: {} } },
  } as MigrationInput;
  await createActivityMetrics(meter).observe(
    async (_i: MigrationInput) => ({ deleted: 1, stale: 0 }),
    pageOutcomes.deletePage,
  )(odd);

  for (const s of samples) {
    expect(s.tags.destination_driver).toBe('unknown');
    expect(Object.keys(s.tags).sort()).toEqual(
      s.name === METRIC_NAMES.duration
        ? ['activity_type', 'destination_driver', 'outcome', 'source_driver']
        : ['activity_type', 'destination_driver', 'source_driver'],
    );
    const text = JSON.stringify(s.tags);
    for (const secret of ['top-secret', 'sha256:abc', 'pw@host', '7']) expect(text).not.toContain(secret);
  }
});

test('metric names follow Prometheus conventions and the duration is a float histogram in seconds', () => {
  const { meter, units } = recordingMeter();
  createActivityMetrics(meter);
  for (const name of Object.values(METRIC_NAMES)) expect(name).toMatch(/^anchore_objectstorage_[a-z_]+$/);
  for (const [key, name] of Object.entries(METRIC_NAMES)) {
    if (key === 'duration') expect(name).toMatch(/_seconds$/);
    else expect(name).toMatch(/_total$/);
  }
  expect(METRIC_NAMES.copiedBytes).toMatch(/_bytes_total$/);
  expect(units.get(METRIC_NAMES.duration)).toBe('s');
});
