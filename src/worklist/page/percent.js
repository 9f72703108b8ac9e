// A probability or a fraction as a percentage, the one way the node writes one: in the page and
// in the API's `why` line (src/worklist/entry-view.ts imports this file too).
//
// Rounding must never turn a model's 0.9993 into certainty or its 0.0004 into nothing: only
// exactly 1 reads "100%" and only exactly 0 reads "0%"; what rounds past the last shown digit
// reads "> 99.9%" or "< 0.1%". Whole percents in between, one decimal near either end.

/** @param {number} p in [0, 1] */
export function percent(p) {
  if (typeof p !== 'number' || !Number.isFinite(p)) return '–';
  if (p <= 0) return '0%';
  if (p >= 1) return '100%';
  if (p < 0.001) return '< 0.1%';
  if (p > 0.999) return '> 99.9%';
  // One decimal near the ends: the bounds above keep it within 0.1 and 99.9.
  if (p < 0.01 || p > 0.99) return `${(p * 100).toFixed(1)}%`;
  return `${Math.round(p * 100)}%`;
}
