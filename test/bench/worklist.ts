/**
 * Worklist benchmark: what ranking the whole list in SQL costs as the index grows. Studies are
 * indexed directly (no files), a tenth with an order, a twentieth with a positive finding; then
 * it times, per size: the first page of GET /worklist's query (50 entries, the page's default
 * view), the same filtered to STAT, one study's entry, and recording a finding (its priority is
 * read before and after, inside the finding's transaction).
 *
 *   npx tsx test/bench/worklist.ts            (SIZES=1000,10000,50000 ROUNDS=20)
 */
import { makeFinding, seedStudy, type SeededStudy } from '../helpers/findings.js';
import { worklistHarness } from '../helpers/worklist-harness.js';
import { orderUpdate } from '../worklist/orders/order-fixtures.js';

const SIZES = (process.env.SIZES ?? '1000,10000,50000').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 20);

function time(fn: () => void): { median: number; p95: number } {
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]! };
}

const fmt = (r: { median: number; p95: number }) => `${r.median.toFixed(1)} / ${r.p95.toFixed(1)} ms`;

console.log('| studies | first page (50) | STAT only | one entry | record a finding |');
console.log('|---|---|---|---|---|');
for (const size of SIZES) {
  const h = worklistHarness();
  const now = h.clock.now();
  const studies: SeededStudy[] = [];
  h.db.transaction(() => {
    for (let i = 0; i < size; i++) {
      const s = seedStudy(h.index, `b${i}`, { receivedAt: now - i * 1000 });
      studies.push(s);
      if (i % 10 === 0) h.part.orders.record([orderUpdate({ accession: s.accessionNumber, priority: i % 30 === 0 ? 'urgent' : 'routine' })], { messageType: 'ORM^O01', controlId: `c${i}`, at: now });
      if (i % 20 === 0) h.part.results.record(makeFinding(s, { critical: i % 40 === 0 }));
    }
  })();
  const open = { status: ['unread', 'in-progress'] as const, limit: 50, offset: 0 };
  const page = time(() => h.part.query.list(open));
  const stat = time(() => h.part.query.list({ ...open, priority: ['stat'] }));
  const one = time(() => h.part.query.get(studies[Math.floor(size / 2)]!.studyId));
  let k = 0;
  const record = time(() => h.part.recordFinding(makeFinding(studies[(k++ * 7) % size]!, { seriesId: `bench-${k}` })));
  console.log(`| ${size} | ${fmt(page)} | ${fmt(stat)} | ${fmt(one)} | ${fmt(record)} |`);
  await h.dispose();
}
