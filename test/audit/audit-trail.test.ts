import { expect } from 'chai';
import { AuditTrail, type AuditEntry } from '../../src/audit/audit-trail.js';
import { auditMigrations } from '../../src/audit/migrations.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

const STUDY = '11111111-22222222-33333333-44444444-55555555';
const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  tokenName: 'dr-a',
  role: 'radiologist',
  address: '127.0.0.1',
  method: 'GET',
  route: '/studies/:id',
  params: { id: STUDY },
  resources: [],
  status: 200,
  ...over,
});

describe('audit/audit-trail', () => {
  let db: Db;
  let audit: AuditTrail;

  beforeEach(() => {
    db = openDatabase(':memory:');
    migrate(db, [auditMigrations]);
    audit = new AuditTrail(db);
  });
  afterEach(() => db.close());

  it('is append-only: the database refuses updates and deletes', () => {
    audit.record(entry());
    expect(() => db.prepare('UPDATE audit_log SET status = 500').run()).to.throw(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).to.throw(/append-only/);
    expect(audit.list({ since: 0, limit: 10 }).entries).to.have.length(1);
  });

  it('pages by sequence number and filters by token and by resource', () => {
    audit.record(entry());
    audit.record(entry({ tokenName: 'ris', role: 'service', route: '/tools/find', params: {}, resources: [STUDY], method: 'POST' }));
    audit.record(entry({ tokenName: 'ris', role: 'service', params: { id: '99999999-22222222-33333333-44444444-55555555' } }));

    const first = audit.list({ since: 0, limit: 2 });
    expect(first.entries.map((e) => e.seq)).to.deep.equal([1, 2]);
    expect(first).to.include({ last: 2, done: false });
    expect(audit.list({ since: first.last, limit: 2 })).to.deep.include({ last: 3, done: true });

    expect(audit.list({ since: 0, limit: 10, tokenName: 'ris' }).entries).to.have.length(2);
    const touching = audit.list({ since: 0, limit: 10, resourceId: STUDY }).entries;
    expect(touching.map((e) => e.seq)).to.deep.equal([1, 2]);
    expect(touching[1]).to.deep.include({ tokenName: 'ris', role: 'service', method: 'POST', resources: [STUDY], status: 200 });
  });
});
