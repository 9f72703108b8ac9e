/** Drawing into 2D float images in pixel units: tubes along polylines, and fast wide blurs. */

export type Point2 = [number, number];

export class Canvas {
  readonly data: Float32Array;
  // Per-pixel scratch for one stroke at a time: which stroke last touched it, and how close.
  private readonly stamp: Int32Array;
  private readonly nearest: Float32Array;
  private strokes = 0;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height);
    this.stamp = new Int32Array(width * height);
    this.nearest = new Float32Array(width * height);
  }

  /**
   * Adds a tube along a polyline: at distance d from the axis, `density` × the chord
   * 2√(r² − d²) (a cylinder seen from the side), plus `rim` on a thin ring at the wall (cortical
   * bone, a tube's wall). Each pixel counts its nearest segment once, so joints are not doubled.
   * Pixels `skip` names are left alone (vessels do not cross a pneumothorax). With `max`, a
   * tree drawn segment by segment shows no beads where segments meet.
   */
  tube(points: Point2[], radius: number, density: number, rim = 0, skip?: (i: number) => boolean, combine: 'add' | 'max' = 'add'): void {
    const r = Math.max(0.3, radius);
    const id = ++this.strokes;
    const touched: number[] = [];
    for (let s = 0; s + 1 < points.length; s++) {
      const [ax, ay] = points[s]!;
      const [bx, by] = points[s + 1]!;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 2));
      const x1 = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx) + r + 2));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 2));
      const y1 = Math.min(this.height - 1, Math.ceil(Math.max(ay, by) + r + 2));
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy || 1e-9;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          let t = ((x - ax) * dx + (y - ay) * dy) / len2;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = x - ax - t * dx;
          const ey = y - ay - t * dy;
          const d2 = ex * ex + ey * ey;
          if (d2 >= (r + 1.5) ** 2) continue;
          const i = y * this.width + x;
          if (this.stamp[i] !== id) {
            this.stamp[i] = id;
            this.nearest[i] = d2;
            touched.push(i);
          } else if (d2 < this.nearest[i]!) this.nearest[i] = d2;
        }
      }
    }
    for (const i of touched) {
      if (skip?.(i)) continue;
      const d2 = this.nearest[i]!;
      const chord = d2 < r * r ? 2 * Math.sqrt(r * r - d2) : 0;
      const wall = rim ? rim * Math.exp(-((Math.sqrt(d2) - r) ** 2) / 0.8) : 0;
      const value = density * chord + wall;
      if (combine === 'add') this.data[i]! += value;
      else if (value > this.data[i]!) this.data[i] = value;
    }
  }
}

/** Box blur of half-width `r` pixels along rows then columns (running sums: O(1) per pixel). */
export function boxBlur(data: Float32Array, w: number, h: number, r: number): void {
  if (r < 1) return;
  const line = new Float32Array(Math.max(w, h));
  const pass = (count: number, length: number, stride: number, step: number) => {
    for (let c = 0; c < count; c++) {
      const base = c * stride;
      for (let i = 0; i < length; i++) line[i] = data[base + i * step]!;
      let sum = 0;
      for (let i = -r; i <= r; i++) sum += line[Math.min(length - 1, Math.max(0, i))]!;
      for (let i = 0; i < length; i++) {
        data[base + i * step] = sum / (2 * r + 1);
        sum += line[Math.min(length - 1, i + r + 1)]! - line[Math.max(0, i - r)]!;
      }
    }
  };
  pass(h, w, w, 1);
  pass(w, h, 1, w);
}

/**
 * About a Gaussian blur of standard deviation `sigma` pixels, at any width: three box passes of
 * half-width r have variance r(r + 1).
 */
export function wideBlur(data: Float32Array, w: number, h: number, sigma: number): void {
  const r = Math.max(1, Math.round((Math.sqrt(1 + 4 * sigma * sigma) - 1) / 2));
  for (let k = 0; k < 3; k++) boxBlur(data, w, h, r);
}
