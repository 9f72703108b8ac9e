import path from 'node:path';
import { expect } from 'chai';
import { startTestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { ingest, settled, TEST_PACKS } from '../helpers/triage.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { triageMigrations } from '../../src/triage/migrations.js';

describe('triage: an index from before the one durable queue keeps its pending jobs', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => (dataDir = makeTempDir()));
  afterEach(() => removeDir(dataDir));

  it('runs the queued and the interrupted jobs of triage_jobs after the upgrade, under their ids and keys', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const overrides = { triage: { modelsDir: TEST_PACKS, workers: 1 } };
    const first = await startTestNode(overrides, { dataDir });
    const files = writeSlices(
      path.join(dataDir, 'in'),
      { seed: 'upgrade', rows: 16, columns: 16, intercept: -1024 },
      [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
    );
    const seriesId = await ingest(first, files, 'upgrade');
    await first.stop();

    // The index as the release before the queue left it: no queue_jobs, jobs in triage_jobs
    // (one queued, one a crash left running, one done), and the migrations recorded up to triage 4.
    // triage_jobs as migration 4 made it (triage migration 7 dropped it at the first start).
    const db = openDatabase(indexPath(dataDir));
    const v4 = triageMigrations.migrations[3]!.sql;
    db.exec(v4.slice(v4.indexOf('CREATE TABLE triage_jobs_v4'), v4.indexOf('INSERT INTO triage_jobs_v4')).replace('triage_jobs_v4', 'triage_jobs'));
    // (Later triage migrations undone too: the localisation maps of triage 6 came after the queue.)
    db.exec(`ALTER TABLE triage_findings DROP COLUMN localisation; ALTER TABLE triage_findings DROP COLUMN localisation_map; DROP TABLE queue_jobs;
      DELETE FROM schema_migrations WHERE part = 'queue' OR (part = 'triage' AND version >= 5);`);
    const insert = db.prepare(
      `INSERT INTO triage_jobs (id, series_id, series_version, model_id, early, priority, priority_rank, urgency, rule_id, state, attempts, max_attempts, created_at, available_at, started_at, finding_id)
       VALUES (?, ?, ?, 'test-volume', 0, 'stat', 3, 50, NULL, ?, ?, 3, 1000, 1000, ?, ?)`,
    );
    insert.run('11111111-1111-4111-8111-111111111111', seriesId, 1, 'queued', 0, null, null);
    insert.run('22222222-2222-4222-8222-222222222222', seriesId, 2, 'running', 1, 1500, null);
    insert.run('33333333-3333-4333-8333-333333333333', seriesId, 3, 'done', 1, 1500, 'finding-of-the-old-release');
    db.close();

    const second = await startTestNode(overrides, { dataDir });
    try {
      const queued = await settled(second, '11111111-1111-4111-8111-111111111111');
      const interrupted = await settled(second, '22222222-2222-4222-8222-222222222222');
      expect(queued).to.deep.include({ state: 'done', attempts: 1, seriesVersion: 1 });
      expect(interrupted, 'the interrupted job ran again, its attempt counted').to.deep.include({ state: 'done', attempts: 2, seriesVersion: 2 });
      for (const job of [queued, interrupted]) expect(second.triage.findings.get(job.findingId!)!.seriesId).to.equal(seriesId);
      expect(second.triage.jobs.get('33333333-3333-4333-8333-333333333333'), 'a done job keeps its finding').to.deep.include({
        state: 'done',
        findingId: 'finding-of-the-old-release',
      });
      const again = second.triage.enqueue({ seriesId, seriesVersion: 2, modelId: 'test-volume' });
      expect(again.created, 'the carried-over job still holds its key').to.equal(false);
      expect(again.job.id).to.equal('22222222-2222-4222-8222-222222222222');
      expect(second.db.prepare(`SELECT name FROM sqlite_master WHERE name = 'triage_jobs'`).get(), 'the old table is dropped once copied').to.equal(undefined);
    } finally {
      await second.stop();
    }
  });
});
