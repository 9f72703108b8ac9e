import { expect } from 'chai';
import { openDatabase, type Db } from '../../src/db/database.js';
import { findIds, findStatement, type FindQuery } from '../../src/store/find.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';

/** A WADO-RS lookup of one instance by its three UIDs, as dicomweb-routes.ts asks it. */
function instanceLookup(study: string, series: string, sop: string): FindQuery {
  const exact = (pattern: string) => ({ kind: 'wildcard', pattern, caseSensitive: true }) as const;
  return {
    level: 'instances',
    criteria: [
      { level: 'studies', keyword: 'StudyInstanceUID', match: exact(study) },
      { level: 'series', keyword: 'SeriesInstanceUID', match: exact(series) },
      { level: 'instances', keyword: 'SOPInstanceUID', match: exact(sop) },
    ],
    since: 0,
    limit: 10,
  };
}

describe('store/find: lookups by UID, PatientID, accession and date use their indexes', () => {
  let db: Db;

  beforeEach(() => {
    db = openDatabase(':memory:');
    migrate(db, [storeMigrations]);
    const now = 0;
    db.prepare(`INSERT INTO patients (id, patient_id, main_tags, created_at, updated_at) VALUES ('p', 'P', '{"PatientID":"P"}', ?, ?)`).run(now, now);
    for (let s = 0; s < 3; s++) {
      const study = `1.2.${s}`;
      db.prepare(`INSERT INTO studies (id, patient_ref, study_instance_uid, main_tags, created_at, updated_at) VALUES (?, 'p', ?, ?, 0, 0)`).run(
        `st${s}`,
        study,
        JSON.stringify({ StudyInstanceUID: study }),
      );
      const series = `${study}.1`;
      db.prepare(`INSERT INTO series (id, study_ref, series_instance_uid, main_tags, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0)`).run(
        `se${s}`,
        `st${s}`,
        series,
        JSON.stringify({ SeriesInstanceUID: series }),
      );
      for (let i = 0; i < 3; i++) {
        const sop = `${series}.${i}`;
        db.prepare(
          `INSERT INTO instances (id, series_ref, sop_instance_uid, sop_class_uid, instance_number, transfer_syntax_uid, file_path, file_size, received_at, main_tags)
           VALUES (?, ?, ?, '1.2.840.10008.5.1.4.1.1.2', ?, '1.2.840.10008.1.2.1', ?, 1, 0, ?)`,
        ).run(`i${s}${i}`, `se${s}`, sop, i, `f${s}${i}`, JSON.stringify({ SOPInstanceUID: sop }));
      }
    }
  });
  afterEach(() => db.close());

  const plan = (query: FindQuery) => {
    const { sql, params } = findStatement(query);
    return db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((r) => (r as { detail: string }).detail);
  };

  it('an instance by its study, series and SOP Instance UIDs: an index search on each table, no scan', () => {
    const steps = plan(instanceLookup('1.2.1', '1.2.1.1', '1.2.1.1.2'));
    expect(
      steps.filter((s) => /^SCAN /.test(s)),
      steps.join(' | '),
    ).to.deep.equal([]);
    expect(
      steps.some((s) => /USING (COVERING )?INDEX (studies_uid|series_uid|instances_uid)/.test(s)),
      steps.join(' | '),
    ).to.equal(true);
    expect(findIds(db, instanceLookup('1.2.1', '1.2.1.1', '1.2.1.1.2'))).to.deep.equal(['i12']);
  });

  it('the series of a study (QIDO-RS /studies/{uid}/series): the study found by its index', () => {
    const query: FindQuery = {
      level: 'series',
      criteria: [{ level: 'studies', keyword: 'StudyInstanceUID', match: { kind: 'wildcard', pattern: '1.2.2', caseSensitive: true } }],
      since: 0,
      limit: 10,
    };
    const steps = plan(query);
    expect(
      steps.filter((s) => /^SCAN /.test(s)),
      steps.join(' | '),
    ).to.deep.equal([]);
    expect(findIds(db, query)).to.deep.equal(['se2']);
  });

  it('a list of study UIDs matches each, through the index', () => {
    const query: FindQuery = {
      level: 'studies',
      criteria: [{ level: 'studies', keyword: 'StudyInstanceUID', match: { kind: 'list', values: ['1.2.0', '1.2.2', '9.9'] } }],
      since: 0,
      limit: 10,
    };
    expect(plan(query).filter((s) => /^SCAN st\b/.test(s))).to.deep.equal([]);
    expect(findIds(db, query)).to.deep.equal(['st0', 'st2']);
  });

  it('studies by PatientID, by accession number and by a date range: index searches', () => {
    const exact = (pattern: string) => ({ kind: 'wildcard', pattern, caseSensitive: true }) as const;
    const queries: FindQuery[] = [
      { level: 'studies', criteria: [{ level: 'patients', keyword: 'PatientID', match: exact('P') }], since: 0, limit: 10 },
      { level: 'studies', criteria: [{ level: 'studies', keyword: 'AccessionNumber', match: exact('A1') }], since: 0, limit: 10 },
      {
        level: 'studies',
        criteria: [{ level: 'studies', keyword: 'StudyDate', match: { kind: 'range', from: '20260101', to: '20260131' } }],
        since: 0,
        limit: 10,
      },
    ];
    for (const query of queries) {
      const steps = plan(query);
      expect(
        steps.filter((s) => /^SCAN /.test(s)),
        steps.join(' | '),
      ).to.deep.equal([]);
    }
    expect(findIds(db, queries[0]!)).to.deep.equal(['st0', 'st1', 'st2']);
  });

  it('a UID whose main tag differs from nothing stored matches nothing (the exact check still decides)', () => {
    expect(findIds(db, instanceLookup('1.2.1', '1.2.1.1', '1.2.1.1.9'))).to.deep.equal([]);
    expect(findIds(db, instanceLookup('1.2.1', '1.2.0.1', '1.2.1.1.2'))).to.deep.equal([]);
  });
});
