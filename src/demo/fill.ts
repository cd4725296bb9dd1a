/** Building blocks shared by the demo document builders. */
import type { DemoImage } from './plan';
import { dumpPythonJson, PythonJsonText } from './python-json';
import type { Random } from './random';
import { LANGUAGE_PACKAGES, LICENSES, MAINTAINERS, PACKAGES } from './vocabulary';

/**
 * A JSON list of entries from `make`, serialized once, until its text reaches `targetBytes` (at least one
 * entry). The text is exact, so documents land close to their target size.
 */
export function fillJson(targetBytes: number, make: (i: number) => unknown): PythonJsonText {
  const parts: string[] = [];
  let size = 2;
  do {
    const text = dumpPythonJson(make(parts.length));
    size += text.length + 2;
    parts.push(text);
  } while (size < targetBytes);
  return new PythonJsonText(`[${parts.join(', ')}]`, parts.length);
}

/** Like {@link fillJson}, for a JSON object of `[key, value]` pairs (keys must be unique, non-numeric). */
export function fillJsonObject(targetBytes: number, make: (i: number) => [string, unknown]): PythonJsonText {
  const parts: string[] = [];
  let size = 2;
  do {
    const [key, value] = make(parts.length);
    const text = `${dumpPythonJson(key)}: ${dumpPythonJson(value)}`;
    size += text.length + 2;
    parts.push(text);
  } while (size < targetBytes);
  return new PythonJsonText(`{${parts.join(', ')}}`, parts.length);
}

/** Plain entries up to about `targetBytes` of JSON, for small documents that are re-serialized differently. */
export function fill<T>(targetBytes: number, make: (i: number) => T): T[] {
  const out: T[] = [];
  let size = 0;
  do {
    const entry = make(out.length);
    size += JSON.stringify(entry).length;
    out.push(entry);
  } while (size < targetBytes);
  return out;
}
/** ISO 8601 UTC time as Anchore's JSON documents write it. */
export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A version string like `3.1.4-r5`. */
export function version(rand: Random): string {
  return `${rand.int(0, 9)}.${rand.int(0, 30)}.${rand.int(0, 20)}-r${rand.int(0, 9)}`;
}

/** An OS package of the image's distro. */
export function osPackage(rand: Random, image: DemoImage, i: number) {
  const name = i < PACKAGES.length ? (PACKAGES[i] as string) : `${rand.pick(PACKAGES)}-extra${i}`;
  const v = version(rand);
  return {
    package: name,
    version: v,
    size: String(rand.int(2_000, 9_000_000)),
    type: image.pkgType,
    origin: rand.pick(MAINTAINERS),
    license: rand.pick(LICENSES),
    location: image.pkgType === 'APKG' ? '/lib/apk/db/installed' : '/var/lib/dpkg/status',
    cpes: [`cpe:2.3:a:${name}:${name}:${v}:*:*:*:*:*:*:*`],
    purl: `pkg:${image.distro === 'alpine' ? 'apk' : 'deb'}/${image.distro}/${name}@${v}?arch=x86_64`,
  };
}

/** A language package (npm, python, java, go). */
export function languagePackage(rand: Random, kind: keyof typeof LANGUAGE_PACKAGES, i: number) {
  const name = `${rand.pick(LANGUAGE_PACKAGES[kind])}${i >= 10 ? `-${i}` : ''}`;
  const v = `${rand.int(0, 12)}.${rand.int(0, 40)}.${rand.int(0, 20)}`;
  return {
    package: name,
    version: v,
    type: kind,
    location: `/usr/local/lib/${kind}/${name}-${v}`,
    licenses: [rand.pick(LICENSES)],
    cpes: [`cpe:2.3:a:*:${name}:${v}:*:*:*:*:*:*:*`],
  };
}

/** `sha256:<64 hex>`. */
export function sha256(rand: Random): string {
  return `sha256:${rand.hex(64)}`;
}
