/** A proportion with its 95 % Wilson score interval (good at 0 and 1 and for small n, unlike Wald). */
export interface Proportion {
  value: number | null;
  /** Numerator and denominator, so that a reader can recompute it. */
  count: number;
  total: number;
  ci95: [number, number] | null;
}

export const Z95 = 1.959963984540054;

export function wilson(count: number, total: number, z = Z95): Proportion {
  if (total === 0) return { value: null, count, total, ci95: null };
  const p = count / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { value: p, count, total, ci95: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}
