/** ROC curve points from scores, and operating-point choice on a validation split. */

export interface RocPoint {
  /** Scores >= threshold are positive. */
  threshold: number;
  fpr: number;
  tpr: number;
}

/** Every distinct threshold, from "nothing positive" (+∞) down to "everything positive". */
export function rocCurve(positives: readonly number[], negatives: readonly number[]): RocPoint[] {
  const scored = [...positives.map((s) => [s, 1] as const), ...negatives.map((s) => [s, 0] as const)].sort((a, b) => b[0] - a[0]);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scored.length;) {
    const t = scored[i]![0];
    while (i < scored.length && scored[i]![0] === t) {
      if (scored[i]![1] === 1) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: t, fpr: negatives.length ? fp / negatives.length : 0, tpr: positives.length ? tp / positives.length : 0 });
  }
  return points;
}

export type Target = { specificity: number } | { sensitivity: number };

/**
 * The threshold that meets a target on this (validation) data: for a specificity target, the
 * lowest threshold whose specificity is still at least the target (most sensitive such point);
 * for a sensitivity target, the highest threshold whose sensitivity reaches it. Returns null when
 * no threshold meets it.
 */
export function chooseThreshold(positives: readonly number[], negatives: readonly number[], target: Target): RocPoint | null {
  const curve = rocCurve(positives, negatives);
  let index = -1;
  if ('specificity' in target) {
    for (let i = 1; i < curve.length; i++) if (1 - curve[i]!.fpr >= target.specificity - 1e-12) index = i;
  } else {
    for (let i = curve.length - 1; i >= 1; i--) if (curve[i]!.tpr >= target.sensitivity - 1e-12) index = i;
  }
  if (index < 0) return null;
  const chosen = curve[index]!;
  // Halfway to the next lower score: the same split of this data, less tied to one case's score.
  const next = curve[index + 1];
  return next ? { ...chosen, threshold: (chosen.threshold + next.threshold) / 2 } : chosen;
}
