import type { Db } from '../db/database.js';
import type { Person } from '../auth/token-store.js';

/** One audited act: who, when, from where, what, and how it ended. Ids only, never patient data. */
export interface AuditEntry {
  /** Token name, or `cli:<user>` for the command line; null when no valid token was shown. */
  tokenName: string | null;
  role: string | null;
  address: string | null;
  /** HTTP method, or CLI. */
  method: string;
  /** The route pattern (`/studies/:id`) or the CLI command; never a raw URL with its query. */
  route: string;
  params: Record<string, string>;
  resources: readonly string[];
  /** The HTTP status (the CLI uses the same numbers). */
  status: number;
  /** A person signed in through the OpenID provider: its subject and display name. */
  person?: Person | null;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  at: string;
}

interface AuditRow {
  seq: number;
  at: number;
  token_name: string | null;
  role: string | null;
  address: string | null;
  method: string;
  route: string;
  params: string;
  resources: string;
  status: number;
  subject: string | null;
  person_name: string | null;
}

export interface AuditQuery {
  since: number;
  limit: number;
  tokenName?: string;
  /** A resource id (already validated): rows whose params or resources name it. */
  resourceId?: string;
}

const MAX_VALUE = 200;
const MAX_RESOURCES = 1000;

/** Appends to and pages through the audit trail; there is deliberately no update or delete. */
export class AuditTrail {
  private readonly insert;

  constructor(private readonly db: Db) {
    // RETURNING, not better-sqlite3's lastInsertRowid: the same SQL gives the key on PostgreSQL.
    this.insert = db.prepare<[Record<string, unknown>], { seq: number }>(
      `INSERT INTO audit_log (at, token_name, role, address, method, route, params, resources, status, subject, person_name)
       VALUES (@at, @tokenName, @role, @address, @method, @route, @params, @resources, @status, @subject, @personName) RETURNING seq`,
    );
  }

  record(entry: AuditEntry, at = Date.now()): number {
    const params = Object.fromEntries(Object.entries(entry.params).map(([k, v]) => [k.slice(0, 64), String(v).slice(0, MAX_VALUE)]));
    const row = this.insert.get({
      at,
      tokenName: entry.tokenName,
      role: entry.role,
      address: entry.address,
      method: entry.method,
      route: entry.route.slice(0, MAX_VALUE),
      params: JSON.stringify(params),
      resources: JSON.stringify(entry.resources.slice(0, MAX_RESOURCES)),
      status: entry.status,
      subject: entry.person?.subject.slice(0, MAX_VALUE) ?? null,
      personName: entry.person?.name.slice(0, MAX_VALUE) ?? null,
    });
    return row!.seq;
  }

  list(query: AuditQuery): { entries: AuditRecord[]; last: number; done: boolean } {
    const where = ['seq > @since'];
    if (query.tokenName !== undefined) where.push('token_name = @tokenName');
    if (query.resourceId !== undefined) where.push('(params LIKE @pattern OR resources LIKE @pattern)');
    const rows = this.db.prepare<Record<string, unknown>, AuditRow>(`SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq LIMIT @limit`).all({
      since: query.since,
      limit: query.limit + 1,
      tokenName: query.tokenName,
      // ids are hex digits and dashes: nothing in them is a LIKE wildcard
      pattern: query.resourceId === undefined ? undefined : `%"${query.resourceId}"%`,
    });
    const done = rows.length <= query.limit;
    const entries = rows.slice(0, query.limit).map(toRecord);
    return { entries, last: entries.at(-1)?.seq ?? query.since, done };
  }
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    tokenName: row.token_name,
    role: row.role,
    address: row.address,
    method: row.method,
    route: row.route,
    params: JSON.parse(row.params) as Record<string, string>,
    resources: JSON.parse(row.resources) as string[],
    status: row.status,
    person: row.subject === null ? null : { subject: row.subject, name: row.person_name ?? '' },
  };
}
