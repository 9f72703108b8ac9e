import { Rng } from '../../core/random.js';

/**
 * Seeded 3D gradient noise (Ken Perlin's improved noise), values roughly in [-1, 1]. Its zero
 * set is a web of thin sheets: the head phantom draws sulci and cerebellar folia from it, which
 * looks far more like a brain than concentric ellipses.
 */
export class GradientNoise {
  private readonly perm = new Uint8Array(512);

  constructor(key: string) {
    const rng = new Rng(key);
    const p = new Uint8Array(256);
    for (let i = 0; i < 256; i++) p[i] = i;
    for (let i = 255; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    for (let i = 0; i < 512; i++) this.perm[i] = p[i & 255] as number;
  }

  at(x: number, y: number, z: number): number {
    const p = this.perm;
    const xf = Math.floor(x);
    const yf = Math.floor(y);
    const zf = Math.floor(z);
    const X = xf & 255;
    const Y = yf & 255;
    const Z = zf & 255;
    x -= xf;
    y -= yf;
    z -= zf;
    const u = fade(x);
    const v = fade(y);
    const w = fade(z);
    const A = (p[X] as number) + Y;
    const AA = (p[A] as number) + Z;
    const AB = (p[A + 1] as number) + Z;
    const B = (p[X + 1] as number) + Y;
    const BA = (p[B] as number) + Z;
    const BB = (p[B + 1] as number) + Z;
    return lerp(
      w,
      lerp(
        v,
        lerp(u, grad(p[AA] as number, x, y, z), grad(p[BA] as number, x - 1, y, z)),
        lerp(u, grad(p[AB] as number, x, y - 1, z), grad(p[BB] as number, x - 1, y - 1, z)),
      ),
      lerp(
        v,
        lerp(u, grad(p[AA + 1] as number, x, y, z - 1), grad(p[BA + 1] as number, x - 1, y, z - 1)),
        lerp(u, grad(p[AB + 1] as number, x, y - 1, z - 1), grad(p[BB + 1] as number, x - 1, y - 1, z - 1)),
      ),
    );
  }
}

function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

function lerp(t: number, a: number, b: number): number {
  return a + t * (b - a);
}

function grad(hash: number, x: number, y: number, z: number): number {
  const h = hash & 15;
  const u = h < 8 ? x : y;
  const v = h < 4 ? y : h === 12 || h === 14 ? x : z;
  return ((h & 1) === 0 ? u : -u) + ((h & 2) === 0 ? v : -v);
}
