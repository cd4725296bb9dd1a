/**
 * Seeded randomness for the demo data. Every document gets its own generator derived from (seed, index), so
 * its bytes do not depend on the order or concurrency in which documents are built: same seed, same bytes.
 */
import { createHash } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A seeded source of random values (sfc32: fast, 128-bit state, good enough for fake data). */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `n` lowercase hex characters. */
  hex(n: number): string;
  /** Log-uniform integer in [lo, hi]: as many values per doubling, like real document sizes. */
  logUniform(lo: number, hi: number): number;
  /** `n` pseudo-random bytes. */
  bytes(n: number): Buffer;
}

/** A generator for `purpose` (e.g. `plan`, `doc:17`) under `seed`. */
export function createRandom(seed: string, purpose: string): Random {
  const h = createHash('md5').update(`${seed}\0${purpose}`).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32(); // mix the seed in before the first value is used
  const next = (): number => u32() / 4294967296;
  const random: Random = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    hex(n) {
      let s = '';
      while (s.length < n) {
        const x = u32();
        s += (HEX[x & 255] as string) + HEX[(x >>> 8) & 255] + HEX[(x >>> 16) & 255] + HEX[x >>> 24];
      }
      return s.length === n ? s : s.slice(0, n);
    },
    logUniform: (lo, hi) => Math.round(lo * Math.pow(hi / lo, next())),
    bytes(n) {
      // shake256 of a seed drawn from this generator: native speed for multi-MiB blobs, still deterministic.
      return createHash('shake256', { outputLength: n }).update(random.hex(32)).digest();
    },
  };
  return random;
}
