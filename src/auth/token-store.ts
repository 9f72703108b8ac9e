import type { Db } from '../store/database.js';
import { systemErrorCode, VigilError } from '../errors.js';
import { isRole, type Role } from './roles.js';
import { fingerprint, generateToken, hashToken, keyIdOf, verifyToken } from './token-secret.js';

/** Who is calling: what the API knows after a token checks out. */
export interface Auth {
  tokenName: string;
  role: Role;
}

export interface TokenInfo {
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface TokenRow {
  id: number;
  name: string;
  role: string;
  key_id: string;
  hash: string;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The key id of the one token that may not have our `vgl_` shape: VIGIL_ADMIN_TOKEN. */
const BOOTSTRAP_KEY = 'bootstrap';
export const BOOTSTRAP_TOKEN_NAME = 'admin';
const MIN_BOOTSTRAP_LENGTH = 32;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** last_used_at is a hint for `token list`, not an audit record: written at most once a minute. */
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 1000;

/**
 * API tokens in the index. The CLI creates and revokes them (the node may be running: every
 * request looks its token up again, so a revocation takes effect on the next request). A token
 * that checked out once is remembered in memory by its SHA-256, so the scrypt cost is paid once
 * per token and process, not per request.
 */
export class TokenStore {
  private readonly verified = new Map<string, { rowId: number; hash: string }>();
  private readonly touchedAt = new Map<number, number>();
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      byKey: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE key_id = ? AND revoked_at IS NULL'),
      byName: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL'),
      insert: db.prepare(
        `INSERT INTO api_tokens (name, role, key_id, hash, created_at, created_by) VALUES (@name, @role, @keyId, @hash, @now, @createdBy)`,
      ),
      revoke: db.prepare<[number, string]>('UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL'),
      touch: db.prepare<[number, number]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
      all: db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY id'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM api_tokens'),
    };
  }

  /** Makes a token; the returned string is the only time it exists outside the caller. */
  async create(name: string, role: string, createdBy: string): Promise<{ token: string; info: TokenInfo }> {
    if (!NAME_PATTERN.test(name)) throw new VigilError('BAD_REQUEST', 'a token name is 1-64 letters, digits, dots, dashes or underscores');
    if (!isRole(role)) throw new VigilError('BAD_REQUEST', `unknown role "${role}"`);
    const { keyId, token } = generateToken();
    await this.insert(name, role, keyId, token, createdBy);
    return { token, info: this.info(name)! };
  }

  /**
   * First start only: when no token was ever made, VIGIL_ADMIN_TOKEN becomes the `admin` token.
   * Later starts ignore it, so revoking that token sticks.
   */
  async bootstrap(token: string | undefined): Promise<'created' | 'not-needed' | 'absent'> {
    if (!token) return 'absent';
    if (this.stmts.count.get()!.n > 0) return 'not-needed';
    if (token.length < MIN_BOOTSTRAP_LENGTH || /\s/.test(token)) {
      throw new VigilError('CONFIG_INVALID', `VIGIL_ADMIN_TOKEN must be at least ${MIN_BOOTSTRAP_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`);
    }
    // A token in our own shape (copied from `vigil token create`) is found by its key id like any other.
    await this.insert(BOOTSTRAP_TOKEN_NAME, 'admin', keyIdOf(token) ?? BOOTSTRAP_KEY, token, 'VIGIL_ADMIN_TOKEN');
    return 'created';
  }

  revoke(name: string): void {
    const { changes } = this.stmts.revoke.run(Date.now(), name);
    if (changes === 0) throw new VigilError('NOT_FOUND', `no live token named "${name}"`);
  }

  list(opts: { includeRevoked?: boolean } = {}): TokenInfo[] {
    return this.stmts.all
      .all()
      .filter((row) => opts.includeRevoked || row.revoked_at === null)
      .map(toInfo);
  }

  info(name: string): TokenInfo | undefined {
    const row = this.stmts.byName.get(name);
    return row ? toInfo(row) : undefined;
  }

  /** Who holds this token, or undefined when it is unknown, revoked or wrong. */
  async authenticate(token: string): Promise<Auth | undefined> {
    const row = this.stmts.byKey.get(keyIdOf(token) ?? BOOTSTRAP_KEY);
    if (!row || !isRole(row.role)) return undefined;
    const print = fingerprint(token);
    const cached = this.verified.get(print);
    if (!cached || cached.rowId !== row.id || cached.hash !== row.hash) {
      if (!(await verifyToken(token, row.hash))) return undefined;
      if (this.verified.size >= MAX_CACHED) this.verified.clear();
      this.verified.set(print, { rowId: row.id, hash: row.hash });
    }
    this.touch(row.id);
    return { tokenName: row.name, role: row.role };
  }

  private async insert(name: string, role: Role, keyId: string, token: string, createdBy: string): Promise<void> {
    const hash = await hashToken(token);
    try {
      this.stmts.insert.run({ name, role, keyId, hash, now: Date.now(), createdBy });
    } catch (err) {
      // The unique index on live names decides, also against a concurrent `vigil token create`.
      if (systemErrorCode(err) === 'SQLITE_CONSTRAINT_UNIQUE' && this.stmts.byName.get(name)) {
        throw new VigilError('CONFLICT', `a live token is already named "${name}"; revoke it first`, { cause: err });
      }
      throw err;
    }
  }

  private touch(rowId: number): void {
    const now = Date.now();
    if (now - (this.touchedAt.get(rowId) ?? 0) < TOUCH_EVERY_MS) return;
    this.touchedAt.set(rowId, now);
    this.stmts.touch.run(now, rowId);
  }
}

function toInfo(row: TokenRow): TokenInfo {
  return {
    name: row.name,
    role: row.role as Role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
