import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalfsDriver } from '../../src/drivers/localfs';
import { describeDriverConformance } from './conformance';

// The fixed dir makes the expected URI a constant; the temp dir under it keeps runs apart.
const root = mkdtempSync(join(tmpdir(), 'aos-localfs-'));
const dir = join(root, 'data');

describeDriverConformance('localfs (temp dir)', {
  // The data directory exists where Anchore runs (its start-up creates it); writes never create it.
  create: async () => {
    mkdirSync(dir, { recursive: true });
    return createLocalfsDriver({ archiveDataDir: dir });
  },
  // md5('admin') = 21232f297a57a5a743894a0e4a801fc3; md5 of the key computed with Python hashlib.
  expectedUri: `file://${dir}/21232f297a57a5a743894a0e4a801fc3/policy_bundles/a7/a79d679af59b6bc59e8b370a77410434.json`,
  teardown: async () => rmSync(root, { recursive: true, force: true }),
});
