import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isRole, type Role } from '../domain/roles.js';
import type { Auth } from './token-store.js';

/** What a sign-in leaves behind: who, with which role, and until when. */
export interface PageSession {
  auth: Auth;
  /** Sent back by the page in X-CSRF-Token with every change it asks for. */
  csrf: string;
  /** The provider's ID token, for its sign-out (id_token_hint). */
  idToken: string | null;
  createdAt: number;
  endsAt: number;
}

export interface SessionLimits {
  idleMinutes: number;
  absoluteHours: number;
}

interface SessionRow {
  id_hash: string;
  subject: string;
  name: string;
  username: string;
  role: string;
  csrf: string;
  id_token: string | null;
  created_at: number;
  last_seen_at: number;
  ends_at: number;
}

/** 32 random bytes, base64url: what a cookie of ours looks like. Anything else is not looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** last_seen_at is written at most this often: idle time is exact to within it. */
const TOUCH_EVERY_MS = 15_000;

/**
 * Page sessions in the index, so a restart keeps people signed in and `ends` everywhere at once.
 * Only the SHA-256 of a session id is stored: a copy of the database signs nobody in. A session
 * ends after `idleMinutes` without a request, `absoluteHours` after sign-in, or at sign-out;
 * an ended row is deleted when it is next shown, and in bulk by sweep().
 */
export class SessionStore {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO web_sessions (id_hash, subject, name, username, role, csrf, id_token, created_at, last_seen_at, ends_at)
         VALUES (@idHash, @subject, @name, @username, @role, @csrf, @idToken, @at, @at, @endsAt)`,
      ),
      get: db.prepare<[string], SessionRow>('SELECT * FROM web_sessions WHERE id_hash = ?'),
      touch: db.prepare<[number, string]>('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?'),
      delete: db.prepare<[string]>('DELETE FROM web_sessions WHERE id_hash = ?'),
      sweep: db.prepare<[number, number]>('DELETE FROM web_sessions WHERE ends_at <= ? OR last_seen_at <= ?'),
    };
  }

  /** Opens a session; returns the id for the cookie (never stored) and the session. */
  open(auth: Auth & { person: NonNullable<Auth['person']> }, idToken: string | null): { id: string; session: PageSession } {
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const at = this.now();
    const endsAt = at + this.limits.absoluteHours * 3_600_000;
    this.stmts.insert.run({
      idHash: digest(id),
      subject: auth.person.subject,
      name: auth.person.name,
      username: auth.tokenName,
      role: auth.role,
      csrf,
      idToken,
      at,
      endsAt,
    });
    return { id, session: { auth, csrf, idToken, createdAt: at, endsAt } };
  }

  /** The live session of a cookie value, its idle clock restarted; undefined when there is none. */
  find(id: string): PageSession | undefined {
    if (!SESSION_ID.test(id)) return undefined;
    const hash = digest(id);
    const row = this.stmts.get.get(hash);
    if (!row) return undefined;
    const now = this.now();
    if (!this.live(row, now) || !isRole(row.role)) {
      this.stmts.delete.run(hash);
      return undefined;
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) this.stmts.touch.run(now, hash);
    return toSession(row, row.role);
  }

  /** Ends a session (sign-out); returns it, for the provider's sign-out, if it was live. */
  end(id: string): PageSession | undefined {
    if (!SESSION_ID.test(id)) return undefined;
    const hash = digest(id);
    const row = this.stmts.get.get(hash);
    if (!row) return undefined;
    this.stmts.delete.run(hash);
    return this.live(row, this.now()) && isRole(row.role) ? toSession(row, row.role) : undefined;
  }

  /** Deletes every ended session; returns how many. */
  sweep(): number {
    const now = this.now();
    return this.stmts.sweep.run(now, now - this.limits.idleMinutes * 60_000).changes;
  }

  private live(row: SessionRow, now: number): boolean {
    return now < row.ends_at && now - row.last_seen_at < this.limits.idleMinutes * 60_000;
  }
}

/** Constant-time comparison of the X-CSRF-Token a request carries with its session's. */
export function csrfMatches(session: PageSession, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

function toSession(row: SessionRow, role: Role): PageSession {
  return {
    auth: { tokenName: row.username, role, person: { subject: row.subject, name: row.name } },
    csrf: row.csrf,
    idToken: row.id_token,
    createdAt: row.created_at,
    endsAt: row.ends_at,
  };
}

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
