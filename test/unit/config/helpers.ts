import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A config.yaml whose `services.catalog` holds `catalogBody` (YAML indented by 4 spaces). */
export function anchoreConfig(catalogBody: string): string {
  return `services:\n  catalog:\n    enabled: true\n${catalogBody}`;
}

/** The error thrown by `fn`, for assertions on its name and fields. */
export function caught(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'name' in err && 'message' in err) {
      return err as Error & Record<string, unknown>;
    }
    throw err;
  }
  throw new Error('expected a throw, got none');
}

/** Writes `content` to a new file in a fresh temp dir and returns its path. */
export function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'objectstorage-config-')), name);
  writeFileSync(path, content);
  return path;
}
