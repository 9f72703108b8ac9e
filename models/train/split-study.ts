import type { NoiseLevel, PhantomFinding } from '../../src/tools/phantom/label.js';
import type { PhantomOptions } from '../../src/tools/phantom/phantom.js';
import { Rng } from '../../src/core/random.js';
import type { PackSpec, SplitName } from './packs.js';

/**
 * Study `i` of a pack's split: its phantom's options, drawn from `Rng('<pack>/<split>/<i>')`. The
 * one place both make-dataset.ts (training tensors) and score-split.ts (scores with the shipped
 * model) take them from, so that study i is the same phantom in both. The varied style is drawn
 * last and only for a split that has a `varied` share: every other split draws what it always did.
 */
export function splitStudy(pack: PackSpec, splitName: SplitName, i: number): PhantomOptions {
  const split = pack.splits[splitName];
  const pick = new Rng(`${pack.id}/${splitName}/${i}`);
  const finding: PhantomFinding = i % split.positiveEvery === 0 ? pack.finding : 'none';
  const volume = pack.kind !== 'cxr';
  const vendor = pick.pick(split.vendors);
  const sliceThicknessMm = volume ? pick.pick(split.thicknesses) : undefined;
  const noise = pick.pick<NoiseLevel>(split.noise);
  const varied = split.varied !== undefined && pick.chance(split.varied);
  return {
    kind: pack.kind,
    finding,
    seed: split.seedBase + i,
    ...(varied ? { style: 'varied' as const } : { vendor }),
    sliceThicknessMm,
    noise,
    matrix: split.matrix,
  };
}
