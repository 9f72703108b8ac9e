import { expect } from 'chai';
import { authMigrations } from '../../src/auth/migrations.js';
import { csrfMatches, SessionStore } from '../../src/auth/session-store.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const RITA = { tokenName: 'radler', role: 'radiologist' as const, person: { subject: 'f3a9-rad', name: 'Rita Adler' } };
const MINUTE = 60_000;

describe('auth/session-store: page sessions in the index', () => {
  let dir: string;
  let db: Db;
  let now: number;
  let sessions: SessionStore;

  beforeEach(() => {
    dir = makeTempDir();
    db = openDatabase(`${dir}/index.sqlite`);
    migrate(db, [authMigrations]);
    now = Date.UTC(2026, 11, 7, 8, 0);
    sessions = new SessionStore(db, { idleMinutes: 30, absoluteHours: 2 }, () => now);
  });
  afterEach(() => {
    db.close();
    removeDir(dir);
  });

  it('finds a session by its cookie value, and stores neither that value nor anything it can be made from', () => {
    const { id, session } = sessions.open(RITA, 'the.id.token');
    expect(id).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.find(id)).to.deep.equal({ ...session, auth: RITA });
    const dump = JSON.stringify(db.prepare('SELECT * FROM web_sessions').all());
    expect(dump).not.to.include(id);
  });

  it('refuses a tampered, truncated or foreign cookie value', () => {
    const { id } = sessions.open(RITA, null);
    const flipped = id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A');
    for (const value of [flipped, id.slice(1), `${id}A`, '', 'x'.repeat(43), `${id.slice(0, 42)}=`]) expect(sessions.find(value), value).to.equal(undefined);
    expect(sessions.find(id)).not.to.equal(undefined);
  });

  it('ends after idleMinutes without a request, and use keeps it alive', () => {
    const { id } = sessions.open(RITA, null);
    now += 29 * MINUTE;
    expect(sessions.find(id), 'used after 29 minutes').not.to.equal(undefined);
    now += 29 * MINUTE;
    expect(sessions.find(id), 'used again 29 minutes later').not.to.equal(undefined);
    now += 30 * MINUTE;
    expect(sessions.find(id), '30 minutes idle').to.equal(undefined);
    expect(db.prepare('SELECT COUNT(*) AS n FROM web_sessions').get()).to.deep.equal({ n: 0 });
  });

  it('ends absoluteHours after sign-in however active, and survives a restart until then', () => {
    const { id } = sessions.open(RITA, null);
    for (let t = 0; t < 100; t += 20) {
      now += 20 * MINUTE;
      // A new store on the same file: a restarted node.
      sessions = new SessionStore(db, { idleMinutes: 30, absoluteHours: 2 }, () => now);
      expect(sessions.find(id), `at ${t + 20} minutes`).not.to.equal(undefined);
    }
    now += 20 * MINUTE;
    expect(sessions.find(id), 'two hours after sign-in').to.equal(undefined);
  });

  it("ends at sign-out, once: the id token comes back for the provider's sign-out", () => {
    const { id } = sessions.open(RITA, 'the.id.token');
    expect(sessions.end(id)?.idToken).to.equal('the.id.token');
    expect(sessions.find(id)).to.equal(undefined);
    expect(sessions.end(id)).to.equal(undefined);
  });

  it('sweep() deletes ended sessions only', () => {
    const { id: old } = sessions.open(RITA, null);
    now += 31 * MINUTE;
    const { id: fresh } = sessions.open(RITA, null);
    expect(sessions.sweep()).to.equal(1);
    expect(sessions.find(fresh)).not.to.equal(undefined);
    expect(sessions.find(old)).to.equal(undefined);
  });

  it('checks the CSRF token in constant time, and only the exact one', () => {
    const { session } = sessions.open(RITA, null);
    expect(csrfMatches(session, session.csrf)).to.equal(true);
    for (const wrong of [
      undefined,
      '',
      session.csrf.slice(1),
      `${session.csrf}x`,
      session.csrf.toUpperCase() === session.csrf ? 'x' : session.csrf.toUpperCase(),
    ]) {
      expect(csrfMatches(session, wrong), String(wrong)).to.equal(false);
    }
  });
});
