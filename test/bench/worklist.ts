/**
 * Worklist benchmark: what a page of the list costs as the index grows. Studies are bulk-loaded
 * straight into the index tables (a patient, a study and a CT series each, no instances, no
 * files; the ranking's triggers fire as for a received study), a tenth with an order (a third of
 * those urgent), a twentieth with a positive finding (half of them STAT); then it times, per
 * size: the first page of GET /worklist's query (50 entries, the page's default view), the same
 * filtered to STAT, one study's entry, and recording a finding (its priority is read before and
 * after, inside the finding's transaction).
 *
 *   npx tsx test/bench/worklist.ts            (SIZES=1000,10000,100000,1000000 ROUNDS=20)
 */
import type { Db } from '../../src/db/database.js';
import { makeFinding, type SeededStudy } from '../helpers/findings.js';
import { worklistHarness } from '../helpers/worklist-harness.js';

const SIZES = (process.env.SIZES ?? '1000,10000,100000,1000000').split(',').map(Number);
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

/** The study the bulk load made as number i. */
function study(i: number): SeededStudy {
  return { studyId: `st${i}`, seriesId: `se${i}`, studyInstanceUid: `2.25.1.${i}`, seriesInstanceUid: `2.25.2.${i}`, accessionNumber: `ACC${i}` };
}

/** Rows by the SQL of one statement each (a recursive count), in one transaction. */
function bulkLoad(db: Db, size: number, now: number): void {
  const numbers = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${size})`;
  db.transaction(() => {
    db.exec(`${numbers} INSERT INTO patients (id, patient_id, main_tags, created_at, updated_at)
      SELECT 'pa' || i, 'PID' || i, json_object('PatientID', 'PID' || i, 'PatientName', 'DOE^JANE'), ${now}, ${now} FROM n`);
    db.exec(`${numbers} INSERT INTO worklist_orders (accession, id, hl7_priority, priority, order_control, state, message_type, control_id, received_at, updated_at)
      SELECT 'ACC' || i, 'or' || i, CASE WHEN i % 30 = 0 THEN 'A' ELSE 'R' END, CASE WHEN i % 30 = 0 THEN 'urgent' ELSE 'routine' END, 'NW', 'active', 'ORM^O01', 'c' || i, ${now}, ${now}
      FROM n WHERE i % 10 = 0`);
    db.exec(`${numbers} INSERT INTO studies (id, patient_ref, study_instance_uid, study_date, accession_number, main_tags, created_at, updated_at)
      SELECT 'st' || i, 'pa' || i, '2.25.1.' || i, '20250115', 'ACC' || i, json_object('StudyInstanceUID', '2.25.1.' || i, 'StudyDescription', 'CT HEAD WO'), ${now} - i * 1000, ${now} FROM n`);
    db.exec(`${numbers} INSERT INTO series (id, study_ref, series_instance_uid, modality, main_tags, created_at, updated_at)
      SELECT 'se' || i, 'st' || i, '2.25.2.' || i, 'CT', json_object('Modality', 'CT'), ${now}, ${now} FROM n`);
    db.exec(`${numbers} INSERT INTO worklist_findings (finding_id, study_id, series_id, model_id, model_version, device_uid, concept_system, concept_code,
        concept_display, probability, threshold, operating_point, positive, critical, ai_priority, has_key_image, created_at)
      SELECT 'fi' || i, 'st' || i, 'se' || i, 'stroke', '1.0.0', '2.25.3', 'http://snomed.info/sct', '50960005', 'Hemorrhage', 0.93, 0.62,
        '{"name":"high-sensitivity","sensitivity":0.95,"specificity":0.8}', 1, i % 40 = 0, CASE WHEN i % 40 = 0 THEN 'stat' ELSE 'urgent' END, 0, ${now}
      FROM n WHERE i % 20 = 0`);
  })();
}

console.log('| studies | bulk load | first page (50) | STAT only | one entry | record a finding |');
console.log('|---|---|---|---|---|---|');
for (const size of SIZES) {
  const h = worklistHarness();
  const now = h.clock.now();
  const t = process.hrtime.bigint();
  bulkLoad(h.db, size, now);
  const load = `${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`;
  const open = { status: ['unread', 'in-progress'] as const, limit: 50, offset: 0 };
  const page = time(() => h.part.query.list(open));
  const stat = time(() => h.part.query.list({ ...open, priority: ['stat'] }));
  const one = time(() => h.part.query.get(study(Math.floor(size / 2)).studyId));
  let k = 0;
  const record = time(() => h.part.recordFinding(makeFinding(study((k++ * 7) % size), { seriesId: `bench-${k}` })));
  console.log(`| ${size.toLocaleString('en')} | ${load} | ${fmt(page)} | ${fmt(stat)} | ${fmt(one)} | ${fmt(record)} |`);
  await h.dispose();
}
