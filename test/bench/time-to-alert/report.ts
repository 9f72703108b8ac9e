import type { Timeline } from './timeline.js';

/** The target the issue sets, printed next to the figure rather than asserted anywhere. */
export const TARGET_P95_MS = 2000;

/** With no completeness signal (MODES=none): issue 21's targets, by study kind id. */
export const TARGET_NONE_P95_MS: Record<string, number> = { 'head-ct': 5000, cxr: 5000, ctpa: 8000 };

/** Orthanc's default StableAge, seconds: a yardstick printed beside the figures. */
export const ORTHANC_STABLE_AGE_SECONDS = 60;

/** Nearest-rank quantile: the ⌈q·n⌉-th smallest (p95 of 20 is the 19th, not the maximum). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const ms = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
const spread = (values: number[]): string => (values.length === 0 ? '–' : `${ms(quantile(values, 0.5))} / ${ms(quantile(values, 0.95))}`);

export interface KindResult {
  label: string;
  shape: string;
  timelines: Timeline[];
  /** Studies that ended without an alert (model negative) or did not settle in time. */
  negatives: number;
  timedOut: number;
}

/** Destination ids as the benchmark's node config names them: the HL7 peer, the FHIR endpoint, the PACS. */
export const DESTINATION_IDS = ['ris', 'ehr', 'pacs'] as const;

/** A Markdown table the README can quote: p50 / p95 in ms of every stage and of the whole path. */
export function printTable(title: string, results: KindResult[]): void {
  console.log(`\n${title}\n`);
  console.log(
    '| study | n | → HL7 ACK | → FHIR response | → PACS (AI results stored) | completeness | queue | decode | preprocess | inference | key image + store | delivery HL7 | delivery FHIR | delivery PACS |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const t = r.timelines;
    const col = (pick: (x: Timeline) => number | undefined) => spread(t.map(pick).filter((v): v is number => v !== undefined));
    console.log(
      `| ${r.label} (${r.shape}) | ${t.length} | ${col((x) => x.totalMs.ris)} | ${col((x) => x.totalMs.ehr)} | ${col((x) => x.totalMs.pacs)} | ${col((x) => x.completenessMs)} | ${col((x) => x.queueMs)} | ` +
        `${col((x) => x.decodeMs)} | ${col((x) => x.preprocessMs)} | ${col((x) => x.inferenceMs)} | ${col((x) => x.keyImageAndStoreMs)} | ${col((x) => x.deliveryMs.ris)} | ${col((x) => x.deliveryMs.ehr)} | ${col((x) => x.deliveryMs.pacs)} |`,
    );
  }
  console.log('\nms, p50 / p95; each stage from the end of the one before; → columns from the last C-STORE response.');
  for (const r of results) {
    const reasons = [...new Set(r.timelines.map((t) => t.stableReason))].join(', ') || '–';
    const left = [r.negatives ? `${r.negatives} negative (no alert)` : '', r.timedOut ? `${r.timedOut} did not settle` : ''].filter(Boolean).join(', ');
    console.log(`${r.label}: complete by ${reasons}${left ? `; left out: ${left}` : ''}`);
  }
}

/** The target line: met or not, on the slower destination's p95. */
export function printTarget(results: KindResult[]): void {
  for (const r of results) {
    const worst = Math.max(
      ...DESTINATION_IDS.map((d) =>
        quantile(
          r.timelines.map((t) => t.totalMs[d]).filter((v): v is number => v !== undefined),
          0.95,
        ),
      ),
    );
    if (!Number.isFinite(worst)) continue;
    console.log(`target p95 ≤ ${TARGET_P95_MS / 1000} s with completeness known, ${r.label}: ${ms(worst)} ms, ${worst <= TARGET_P95_MS ? 'met' : 'NOT met'}`);
  }
}

/** MODES=burst: head CT and CTPA positives to the HL7 ACK, p95 ≤ 10 s (issue 21). */
export function printBurstTargets(results: (KindResult & { kindId: string })[]): void {
  for (const r of results.filter((x) => x.kindId !== 'cxr')) {
    const p95 = quantile(
      r.timelines.map((t) => t.totalMs.ris).filter((v): v is number => v !== undefined),
      0.95,
    );
    if (!Number.isFinite(p95)) continue;
    console.log(`target p95 ≤ 10 s to the HL7 ACK in the burst, ${r.label}: ${ms(p95)} ms, ${p95 <= 10_000 ? 'met' : 'NOT met'}`);
  }
}

/** MODES=none: the HL7 ACK's p95 against issue 21's target, beside the fixed idle window and Orthanc's StableAge. */
export function printNoSignalTargets(results: (KindResult & { kindId: string })[], idleSeconds: number): void {
  console.log(`yardsticks: the fixed idle window (series.idleSeconds) ${idleSeconds} s; Orthanc's default StableAge ${ORTHANC_STABLE_AGE_SECONDS} s`);
  for (const r of results) {
    const target = TARGET_NONE_P95_MS[r.kindId];
    const p95 = quantile(
      r.timelines.map((t) => t.totalMs.ris).filter((v): v is number => v !== undefined),
      0.95,
    );
    if (target === undefined || !Number.isFinite(p95)) continue;
    console.log(`target p95 ≤ ${target / 1000} s to the HL7 ACK with no signal, ${r.label}: ${ms(p95)} ms, ${p95 <= target ? 'met' : 'NOT met'}`);
  }
}

/**
 * DATABASE=both: one mode's results on SQLite and on PostgreSQL side by side, p50 / p95 in ms of
 * the whole path and of the stages the index is in (completeness, queue, key image + store,
 * delivery), and what PostgreSQL adds to the HL7 ACK's median (a difference, not a ratio: a CT's
 * early run alerts before its last C-STORE response, so its figures can be negative). Kinds are
 * matched by id.
 */
export function printBackendComparison(title: string, sqlite: (KindResult & { kindId: string })[], postgres: (KindResult & { kindId: string })[]): void {
  const columns: [string, (x: Timeline) => number | undefined][] = [
    ['→ HL7 ACK', (x) => x.totalMs.ris],
    ['→ FHIR response', (x) => x.totalMs.ehr],
    ['→ PACS', (x) => x.totalMs.pacs],
    ['completeness', (x) => x.completenessMs],
    ['queue', (x) => x.queueMs],
    ['key image + store', (x) => x.keyImageAndStoreMs],
    ['delivery HL7', (x) => x.deliveryMs.ris],
  ];
  console.log(`\n${title}\n`);
  console.log(
    `| study | n, SQLite / PostgreSQL | ${columns.map(([name]) => `${name}, SQLite | ${name}, PostgreSQL`).join(' | ')} | → HL7 ACK p50, PostgreSQL − SQLite |`,
  );
  console.log(`|---|---|${columns.map(() => '---|---|').join('')}---|`);
  for (const a of sqlite) {
    const b = postgres.find((r) => r.kindId === a.kindId);
    if (!b) continue;
    const values = (r: KindResult, pick: (x: Timeline) => number | undefined) => r.timelines.map(pick).filter((v): v is number => v !== undefined);
    const cells = columns.map(([, pick]) => `${spread(values(a, pick))} | ${spread(values(b, pick))}`);
    const hl7 = (r: KindResult) =>
      quantile(
        values(r, (x) => x.totalMs.ris),
        0.5,
      );
    const added = hl7(b) - hl7(a);
    console.log(
      `| ${a.label} (${a.shape}) | ${a.timelines.length} / ${b.timelines.length} | ${cells.join(' | ')} | ${Number.isFinite(added) ? `${ms(added)} ms` : '–'} |`,
    );
  }
  console.log('\nms, p50 / p95; each stage from the end of the one before; → columns from the last C-STORE response.');
}
