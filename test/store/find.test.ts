import { expect } from 'chai';
import fc from 'fast-check';
import { openDatabase, type Db } from '../../src/db/database.js';
import { findIds, matcher, toLike, type TagMatch } from '../../src/store/find.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';

/** Characters that matter: LIKE's and DICOM's metacharacters, case, non-ASCII, regex syntax. */
const alphabet = fc.constantFrom('a', 'A', 'b', '%', '_', '\\', '^', '.', '(', '-', 'é', 'É', 'ß', ' ');
const value = fc.array(alphabet, { maxLength: 8 }).map((cs) => cs.join(''));
const pattern = fc.array(fc.oneof(alphabet, fc.constantFrom('*', '?')), { maxLength: 8 }).map((cs) => cs.join(''));

describe('store/find', () => {
  let db: Db;
  // patient_id holds the PatientID main tag ('' without one), as DicomIndex.recordInstance writes it.
  const insert = (id: string, tags: Record<string, string>) =>
    db
      .prepare('INSERT INTO patients (id, patient_id, main_tags, created_at, updated_at) VALUES (?, ?, ?, 0, 0)')
      .run(id, tags.PatientID ?? '', JSON.stringify(tags));

  beforeEach(() => {
    db = openDatabase(':memory:');
    migrate(db, [storeMigrations]);
  });
  afterEach(() => db.close());

  it('escapes LIKE metacharacters and maps DICOM wildcards', () => {
    expect(toLike('A_B%C\\D*E?')).to.equal('A\\_B\\%C\\\\D%E_');
  });

  it('finds exactly what the DICOM matcher accepts: SQL only narrows, never decides', () => {
    fc.assert(
      fc.property(value, pattern, fc.boolean(), (v, p, caseSensitive) => {
        db.exec('DELETE FROM patients');
        insert('x', { PatientID: v });
        const match: TagMatch = { kind: 'wildcard', pattern: p, caseSensitive };
        const found = findIds(db, { level: 'patients', criteria: [{ level: 'patients', keyword: 'PatientID', match }], since: 0, limit: 10 });
        return (found.length === 1) === matcher(match)(v);
      }),
      { numRuns: 500 },
    );
  });

  it('matches * as any run and ? as one character, anchored at both ends', () => {
    const m = (pattern: string, caseSensitive = true) => matcher({ kind: 'wildcard', pattern, caseSensitive });
    expect(m('DOE*')('DOE^JANE')).to.equal(true);
    expect(m('DOE')('DOE^JANE')).to.equal(false);
    expect(m('D?E')('DÉE')).to.equal(true);
    expect(m('doe*')('DOE^JANE')).to.equal(false);
    expect(m('doe*', false)('DOE^JANE')).to.equal(true);
    expect(m('a.c')('abc')).to.equal(false);
  });

  it('pages matches with since and limit, in insertion order, and a missing tag never matches', () => {
    for (const [i, id] of ['p1', 'p2', 'p3', 'p4'].entries()) insert(id, i === 2 ? {} : { PatientSex: 'F' });
    const query = (since: number, limit: number) =>
      findIds(db, {
        level: 'patients',
        criteria: [{ level: 'patients', keyword: 'PatientSex', match: { kind: 'wildcard', pattern: '*F', caseSensitive: true } }],
        since,
        limit,
      });
    expect(query(0, 10)).to.deep.equal(['p1', 'p2', 'p4']);
    expect(query(1, 1)).to.deep.equal(['p2']);
    expect(query(2, 5)).to.deep.equal(['p4']);
  });
});
