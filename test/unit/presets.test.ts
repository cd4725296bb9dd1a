/** Every activity preset notices a dead worker by heartbeat, not by its (minutes-long) startToCloseTimeout. */
import * as presets from '../../src/workflows/presets';

const seconds = (d: string): number => {
  const m = /^(\d+)\s*(s|minutes?)$/.exec(d);
  if (!m) throw new Error(`unexpected duration ${d}`);
  return Number(m[1]) * (m[2] === 's' ? 1 : 60);
};

type Preset = { startToCloseTimeout: string; heartbeatTimeout?: string };
const activityPresets = (Object.entries(presets) as Array<[string, unknown]>).filter(
  (e): e is [string, Preset] => typeof e[1] === 'object' && e[1] !== null && 'startToCloseTimeout' in e[1],
);

test('there are presets to check', () => {
  expect(activityPresets.map(([name]) => name).sort()).toEqual([
    'bookkeepingPreset',
    'compactPreset',
    'pagePreset',
    'planPreset',
    'preparePreset',
  ]);
});

test.each(activityPresets)(
  '%s has a heartbeat timeout well below its startToCloseTimeout',
  (_name, preset) => {
    expect(preset.heartbeatTimeout).toBeDefined();
    // Activities heartbeat every 5 s (activities/index.ts): several must be missed before a retry.
    expect(seconds(preset.heartbeatTimeout as string)).toBeGreaterThanOrEqual(15);
    expect(seconds(preset.heartbeatTimeout as string)).toBeLessThanOrEqual(60);
    expect(seconds(preset.heartbeatTimeout as string)).toBeLessThan(seconds(preset.startToCloseTimeout) / 4);
  },
);
