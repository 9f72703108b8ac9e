import type { Alert } from '../../../src/alerts/model.js';

/** What became of the preliminary positives (early runs on series still arriving) of one run. */
export interface PreliminaryOutcomes {
  raised: number;
  /** The final result said the same: made final under the same result id. */
  confirmed: number;
  /** The final result was negative: taken back everywhere the alert went (target 0). */
  withdrawn: number;
  /** The final result was positive but different (critical or priority changed). */
  corrected: number;
  /** No final result yet when the run ended. */
  open: number;
}

export function preliminaryOutcomes(alerts: readonly Alert[]): PreliminaryOutcomes {
  const byId = new Map(alerts.map((a) => [a.id, a]));
  const out: PreliminaryOutcomes = { raised: 0, confirmed: 0, withdrawn: 0, corrected: 0, open: 0 };
  for (const a of alerts) {
    if (!a.finding.preliminary) continue;
    out.raised++;
    const successor = a.supersededBy ? byId.get(a.supersededBy) : undefined;
    if (a.state === 'withdrawn') out.withdrawn++;
    else if (successor?.confirms) out.confirmed++;
    else if (successor) out.corrected++;
    else out.open++;
  }
  return out;
}

export function printPreliminaryOutcomes(o: PreliminaryOutcomes): void {
  console.log(
    `preliminary positives (early runs on series still arriving): ${o.raised}; confirmed at completion ${o.confirmed}, ` +
      `withdrawn ${o.withdrawn} (target 0), corrected ${o.corrected}, without a final result yet ${o.open}`,
  );
}
