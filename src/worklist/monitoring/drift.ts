/**
 * Score drift as the population stability index (PSI) between a reference distribution (the
 * model's validation scores) and the production scores, over the same bins:
 *
 *   PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)
 *
 * with eᵢ, aᵢ the shares of reference and production scores in bin i. Half a count is added to
 * every bin of both, so an empty bin gives a large but finite term instead of infinity.
 * Conventional reading: below 0.1 stable, 0.1–0.25 some shift, above 0.25 a major shift.
 */
export function populationStabilityIndex(reference: readonly number[], production: readonly number[]): number {
  if (reference.length !== production.length || reference.length === 0) throw new RangeError('both histograms need the same, non-zero number of bins');
  const e = shares(reference);
  const a = shares(production);
  let psi = 0;
  for (let i = 0; i < e.length; i++) psi += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return psi;
}

/** Counts of scores per bin; a score equal to an inner edge goes to the bin above it, 1 to the last. */
export function histogram(scores: Iterable<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const s of scores) {
    if (!Number.isFinite(s)) continue;
    let bin = counts.length - 1;
    for (let i = 1; i < edges.length - 1; i++) {
      if (s < edges[i]!) {
        bin = i - 1;
        break;
      }
    }
    counts[bin]!++;
  }
  return counts;
}

function shares(counts: readonly number[]): number[] {
  const smoothed = counts.map((c) => c + 0.5);
  const total = smoothed.reduce((a, c) => a + c, 0);
  return smoothed.map((c) => c / total);
}
