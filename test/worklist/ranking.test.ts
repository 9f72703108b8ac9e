import { expect } from 'chai';
import fc from 'fast-check';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { indexPath, openDatabase, type Db } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { worklistMigrations } from '../../src/worklist/migrations.js';
import { PRIORITIES } from '../../src/domain/priority.js';
import { pageQuery, type WorklistFilter } from '../../src/worklist/worklist-query.js';
import { makeFinding, seedStudy, type SeededStudy } from '../helpers/findings.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { worklistHarness, type WorklistHarness } from '../helpers/worklist-harness.js';
import { orderUpdate } from './orders/order-fixtures.js';

/**
 * The oracle: every study's ranks computed from the tables they derive from, as the list did
 * before the maintained ranking (worklist migration 4).
 */
const FROM_SOURCES = `
  SELECT e.*, MAX(COALESCE(e.order_rank, 1), COALESCE(e.rule_rank, 1), COALESCE(e.ai_rank, 1)) AS effective_rank FROM (
    SELECT s.id AS study_id, s.accession_number, s.created_at AS received_at, COALESCE(r.status, 'unread') AS status, r.claimed_by,
      CASE WHEN o.state = 'active' THEN (CASE o.priority WHEN 'stat' THEN 3 WHEN 'urgent' THEN 2 WHEN 'routine' THEN 1 END) END AS order_rank,
      (SELECT MAX(CASE h.priority WHEN 'stat' THEN 3 WHEN 'urgent' THEN 2 WHEN 'routine' THEN 1 END) FROM worklist_rule_hints h WHERE h.study_id = s.id) AS rule_rank,
      (SELECT MAX(CASE f.ai_priority WHEN 'stat' THEN 3 WHEN 'urgent' THEN 2 WHEN 'routine' THEN 1 END) FROM worklist_findings f
        WHERE f.study_id = s.id AND f.replaced_by IS NULL AND f.ai_priority IS NOT NULL) AS ai_rank
    FROM studies s LEFT JOIN worklist_reading r ON r.study_id = s.id LEFT JOIN worklist_orders o ON o.accession = s.accession_number
  ) e ORDER BY effective_rank DESC, received_at ASC, study_id ASC`;

const COLUMNS = 'study_id, accession_number, received_at, status, claimed_by, order_rank, rule_rank, ai_rank, effective_rank';

function expectRankingMatchesSources(db: Db): void {
  const kept = db.prepare(`SELECT ${COLUMNS} FROM worklist_rank ORDER BY effective_rank DESC, received_at ASC, study_id ASC`).all();
  expect(kept).to.deep.equal(db.prepare(`SELECT ${COLUMNS} FROM (${FROM_SOURCES})`).all());
  const counts = db.prepare('SELECT status, effective_rank, n FROM worklist_rank_counts WHERE n != 0 ORDER BY status, effective_rank').all();
  const expected = db
    .prepare(`SELECT status, effective_rank, COUNT(*) AS n FROM (${FROM_SOURCES}) GROUP BY status, effective_rank ORDER BY status, effective_rank`)
    .all();
  expect(counts).to.deep.equal(expected);
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('order' as const), priority: fc.constantFrom(...PRIORITIES), cancel: fc.boolean() }),
  fc.record({ kind: fc.constant('hint' as const), priority: fc.constantFrom(...PRIORITIES) }),
  fc.record({ kind: fc.constant('finding' as const), priority: fc.option(fc.constantFrom(...PRIORITIES), { nil: null }) }),
  fc.record({ kind: fc.constantFrom('claim' as const, 'release' as const, 'read' as const, 'delete' as const) }),
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function apply(h: WorklistHarness, study: SeededStudy, s: Step, i: number): void {
  const now = h.clock.now();
  switch (s.kind) {
    case 'order':
      h.part.orders.record(
        [orderUpdate({ accession: study.accessionNumber, priority: s.priority, ...(s.cancel ? { state: 'cancelled', control: 'CA' } : {}) })],
        { messageType: 'ORM^O01', controlId: `c${i}`, at: now },
      );
      return;
    case 'hint':
      h.part.hints.record({ seriesId: study.seriesId, priority: s.priority, ruleId: `rule-${i}` });
      return;
    case 'finding':
      // one model on the series: each result replaces the one before (a negative withdraws a raise)
      h.part.recordFinding(makeFinding(study, s.priority === null ? { positive: false } : { priority: s.priority, critical: s.priority === 'stat' }));
      return;
    case 'claim':
      if (h.part.reading.get(study.studyId).status === 'unread') h.part.reading.claim(study.studyId, 'dr-a', now);
      return;
    case 'release':
      if (h.part.reading.get(study.studyId).status === 'in-progress') h.part.reading.release(study.studyId, 'dr-a', now, { anyone: true });
      return;
    case 'read':
      if (h.part.reading.get(study.studyId).status !== 'read') h.part.reading.markRead(study.studyId, 'dr-a', now);
      return;
    case 'delete':
      h.index.deleteResource('studies', study.studyId);
      return;
  }
}

describe('worklist/ranking: the maintained ranking', () => {
  it('always equals the ranks computed from orders, hints, findings and readings, counts included, and the list pages by it', async function () {
    this.timeout(120_000);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.tuple(fc.nat(), step), { maxLength: 25 }),
        fc.constantFrom(...[1, 2, 3, 5]),
        async (n, steps, pageSize) => {
          const h = worklistHarness();
          try {
            const now = h.clock.now();
            const studies = Array.from({ length: n }, (_, i) => seedStudy(h.index, `r${i}`, { receivedAt: now - (i % 3) * 60_000 }));
            steps.forEach(([which, s], i) => {
              const study = studies[which % n]!;
              if (h.index.getResource('studies', study.studyId) === undefined && s.kind !== 'order') return;
              apply(h, study, s, i);
              expectRankingMatchesSources(h.db);
            });
            // every page of every status/priority filter is the oracle's order, sliced
            const all = h.db.prepare<[], { study_id: string; status: string; effective_rank: number }>(FROM_SOURCES).all();
            const filters: Omit<WorklistFilter, 'limit' | 'offset'>[] = [
              {},
              { status: ['unread', 'in-progress'] },
              { priority: ['stat'] },
              { status: ['unread'], priority: ['urgent', 'stat'] },
            ];
            for (const f of filters) {
              const ranks = f.priority?.map((p) => ({ stat: 3, urgent: 2, routine: 1 })[p]);
              const expected = all
                .filter((r) => (!f.status || f.status.includes(r.status as never)) && (!ranks || ranks.includes(r.effective_rank)))
                .map((r) => r.study_id);
              const got: string[] = [];
              for (let offset = 0; offset < expected.length + pageSize; offset += pageSize) {
                const page = h.part.query.list({ ...f, limit: pageSize, offset });
                expect(page.total).to.equal(expected.length);
                got.push(...page.entries.map((e) => e.studyId));
              }
              expect(got, JSON.stringify(f)).to.deep.equal(expected);
            }
          } finally {
            await h.dispose();
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads a page off the order index: no scan of the studies, no sort of every row', async () => {
    const h = worklistHarness();
    try {
      const plan = (f: WorklistFilter): string[] => {
        const { sql, params } = pageQuery(f);
        return h.db
          .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((r) => r.detail);
      };
      const filters: WorklistFilter[] = [
        { status: ['unread', 'in-progress'], limit: 50, offset: 0 },
        { status: ['unread', 'in-progress'], priority: ['stat'], limit: 50, offset: 0 },
        { limit: 50, offset: 100 },
      ];
      for (const f of filters) {
        const details = plan(f);
        const reads = details.filter((d) => /^(SCAN|SEARCH) /.test(d));
        expect(reads.length, details.join('\n')).to.be.above(0);
        for (const d of reads)
          expect(d, details.join('\n')).to.match(
            /^(SEARCH w USING (COVERING )?INDEX worklist_rank_order|SCAN \(subquery|SCAN [a-z0-9_]+$|SEARCH w USING INDEX worklist_rank_order)/,
          );
        // the only sort is the merge of the ranges (each at most a page long)
        expect(details.filter((d) => d.includes('TEMP B-TREE')).length, details.join('\n')).to.be.at.most(1);
        expect(details.join('\n')).to.not.match(/studies|worklist_findings|worklist_rule_hints|worklist_orders/);
      }
    } finally {
      await h.dispose();
    }
  });

  it('is filled from what an existing index holds when the migration runs', () => {
    const dir = makeTempDir();
    const db = openDatabase(indexPath(dir));
    try {
      migrate(db, [storeMigrations, { ...worklistMigrations, migrations: worklistMigrations.migrations.filter((m) => m.version < 4) }]);
      const index = new DicomIndex(db);
      const now = Date.UTC(2026, 2, 10, 12);
      const studies = Array.from({ length: 6 }, (_, i) => seedStudy(index, `m${i}`, { receivedAt: now - i * 1000 }));
      db.prepare(`INSERT INTO worklist_reading (study_id, status, claimed_by, claimed_at, updated_at) VALUES (?, 'in-progress', 'dr-a', ?, ?)`).run(
        studies[1]!.studyId,
        now,
        now,
      );
      db.prepare(`INSERT INTO worklist_rule_hints (study_id, series_id, rule_id, priority, at) VALUES (?, ?, 'r', 'urgent', ?)`).run(
        studies[2]!.studyId,
        studies[2]!.seriesId,
        now,
      );
      db.prepare(
        `INSERT INTO worklist_orders (accession, id, hl7_priority, priority, order_control, state, message_type, control_id, received_at, updated_at)
         VALUES (?, 'o1', 'S', 'stat', 'NW', 'active', 'ORM^O01', 'c1', ?, ?)`,
      ).run(studies[3]!.accessionNumber, now, now);
      migrate(db, [storeMigrations, worklistMigrations]);
      expectRankingMatchesSources(db);
      expect(
        db.prepare<[], { study_id: string }>('SELECT study_id FROM worklist_rank ORDER BY effective_rank DESC, received_at, study_id LIMIT 1').get()!.study_id,
      ).to.equal(studies[3]!.studyId);
    } finally {
      db.close();
      removeDir(dir);
    }
  });
});
