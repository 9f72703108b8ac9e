import crypto from 'node:crypto';

/**
 * A seeded pseudo-random generator (sfc32), so that one seed always gives the same phantom on
 * every machine and Node version. Math.random is never used by the generator.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `key` names the stream: `new Rng('head-ct/ich/42/noise')` and `.../anatomy` are independent. */
  constructor(key: string) {
    const h = crypto.createHash('sha256').update(key).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a |= 0;
    this.b |= 0;
    this.c |= 0;
    this.d |= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Log-uniform in [lo, hi]: sizes of findings span orders of magnitude. */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks a key by weight, e.g. `{ subdural: 2, epidural: 1 }`. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }
}

/**
 * Standard normal samples for image noise. Box-Muller per pixel is too slow for 10 million voxels,
 * so each image draws from one table of samples with a seeded, cheap index walk.
 */
export class NoiseSource {
  private static table: Float32Array | undefined;
  private readonly rng: Rng;

  constructor(key: string) {
    this.rng = new Rng(key);
  }

  private static samples(): Float32Array {
    if (!NoiseSource.table) {
      const table = new Float32Array(1 << 20);
      const rng = new Rng('vigil-phantom/noise-table');
      for (let i = 0; i < table.length; i++) table[i] = rng.normal();
      NoiseSource.table = table;
    }
    return NoiseSource.table;
  }

  /** Fills `out` with independent N(0, sd²) values. */
  fill(out: Float32Array, sd: number): void {
    const table = NoiseSource.samples();
    const mask = table.length - 1;
    let i = 0;
    while (i < out.length) {
      // Runs of a random length from a random start and a random odd stride: no visible pattern.
      let pos = Math.floor(this.rng.next() * table.length);
      const stride = (Math.floor(this.rng.next() * 4096) << 1) | 1;
      const run = Math.min(out.length - i, 256 + Math.floor(this.rng.next() * 768));
      for (let k = 0; k < run; k++) {
        out[i++] = (table[pos] as number) * sd;
        pos = (pos + stride) & mask;
      }
    }
  }
}
