import { isUniqueViolation } from '../db/errors.js';
import type { Db } from '../db/database.js';
import { VigilError } from '../core/errors.js';
import { isRole, type Role } from '../domain/roles.js';
import { HashSlots } from './hash-slots.js';
import { fingerprint, generateToken, hashToken, keyIdOf, verifyToken } from './token-secret.js';

/** Who is calling: what the API knows after a token, or a page session, checks out. */
export interface Auth {
  /** The token's name; for a person signed in through the provider, their username claim. */
  tokenName: string;
  role: Role;
  /** Set for a person signed in through the OpenID provider (a page session), never for a token. */
  person?: Person;
}

/** A person as the OpenID provider named them at sign-in. */
export interface Person {
  /** The provider's `sub`: stable, unique within the issuer. */
  subject: string;
  /** The display name (the configured name claim). */
  name: string;
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

/**
 * What a presented token turned out to be, found without hashing:
 * - refused: it cannot be a live token (wrong shape, no live row, or this exact string failed before);
 * - known: it checked out before, in this process;
 * - verify: one scrypt check decides. `shared` when the same string is being checked already
 *   (parallel requests with one new token pay one hash, not one each).
 */
export type TokenCheck = { kind: 'refused' } | { kind: 'known'; auth: Auth } | { kind: 'verify'; shared: boolean; result: Promise<Auth | undefined> };

/** The key id of the one token that may not have our `vgl_` shape: VIGIL_ADMIN_TOKEN. */
const BOOTSTRAP_KEY = 'bootstrap';
export const BOOTSTRAP_TOKEN_NAME = 'admin';
const MIN_BOOTSTRAP_LENGTH = 32;
const GENERATED_PREFIX = 'vgl_';
const REFUSED: TokenCheck = { kind: 'refused' };
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** last_used_at is a hint for `token list`, not an audit record: written at most once a minute. */
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 1000;

/**
 * API tokens in the index. The CLI creates and revokes them (the node may be running: every
 * request looks its token up again, so a revocation takes effect on the next request). A token
 * that was checked once is remembered in memory by its SHA-256, with the verdict, so the scrypt
 * cost is paid once per token string and process, not per request, and a wrong token shown again
 * costs no hash either. A string that cannot be a live token is refused without any hash:
 * a `vgl_` token is found by its key id, and anything else is hashed only while the
 * VIGIL_ADMIN_TOKEN row is live and only if it has that token's minimum length.
 */
export class TokenStore {
  /** Verdicts by token fingerprint, good and wrong apart: a flood of wrong ones cannot evict good ones. */
  private readonly verified = new Verdicts();
  private readonly wrong = new Verdicts();
  private readonly pending = new Map<string, Promise<Auth | undefined>>();
  private readonly touchedAt = new Map<number, number>();
  private readonly stmts;

  constructor(
    private readonly db: Db,
    /** Bounds concurrent scrypt runs (shared with storage in libuv's pool). */
    readonly hashes = new HashSlots(),
  ) {
    this.stmts = {
      byKey: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE key_id = ? AND revoked_at IS NULL'),
      byName: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL'),
      insert: db.prepare(`INSERT INTO api_tokens (name, role, key_id, hash, created_at, created_by) VALUES (@name, @role, @keyId, @hash, @now, @createdBy)`),
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
      throw new VigilError(
        'CONFIG_INVALID',
        `VIGIL_ADMIN_TOKEN must be at least ${MIN_BOOTSTRAP_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`,
      );
    }
    if (token.startsWith(GENERATED_PREFIX) && keyIdOf(token) === undefined) {
      throw new VigilError('CONFIG_INVALID', 'VIGIL_ADMIN_TOKEN starts with "vgl_" but is not a whole token made by `vigil token create`');
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
    const found = this.check(token);
    if (found.kind === 'refused') return undefined;
    return found.kind === 'known' ? found.auth : found.result;
  }

  /**
   * Finds what a token is without hashing, and starts its one scrypt check when that is needed
   * (the API's throttle counts the attempt before awaiting it). Synchronous up to that point.
   */
  check(token: string): TokenCheck {
    const keyId = keyIdOf(token);
    if (keyId === undefined && !couldBeBootstrap(token)) return REFUSED;
    const row = this.stmts.byKey.get(keyId ?? BOOTSTRAP_KEY);
    if (!row || !isRole(row.role)) return REFUSED;
    const print = fingerprint(token);
    const live = { rowId: row.id, hash: row.hash };
    if (this.wrong.has(print, live)) return REFUSED;
    const auth: Auth = { tokenName: row.name, role: row.role };
    if (this.verified.has(print, live)) {
      this.touch(row.id);
      return { kind: 'known', auth };
    }
    const pending = this.pending.get(print);
    if (pending) return { kind: 'verify', shared: true, result: pending };
    const result = this.verify(token, print, live, auth);
    this.pending.set(print, result);
    const forget = (): void => void this.pending.delete(print);
    result.then(forget, forget);
    return { kind: 'verify', shared: false, result };
  }

  private async verify(token: string, print: string, live: Verdict, auth: Auth): Promise<Auth | undefined> {
    const ok = await this.hashes.run(() => verifyToken(token, live.hash));
    (ok ? this.verified : this.wrong).set(print, live);
    if (!ok) return undefined;
    this.touch(live.rowId);
    return auth;
  }

  private async insert(name: string, role: Role, keyId: string, token: string, createdBy: string): Promise<void> {
    const hash = await this.hashes.run(() => hashToken(token));
    try {
      this.stmts.insert.run({ name, role, keyId, hash, now: Date.now(), createdBy });
    } catch (err) {
      // The unique index on live names decides, also against a concurrent `vigil token create`.
      if (isUniqueViolation(err) && this.stmts.byName.get(name)) {
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

/** The row a verdict was reached against: a new or re-hashed row makes it void. */
interface Verdict {
  rowId: number;
  hash: string;
}

/** A bounded memory of verdicts, by token fingerprint (SHA-256: the token itself is not kept). */
class Verdicts {
  private readonly byPrint = new Map<string, Verdict>();

  has(print: string, live: Verdict): boolean {
    const verdict = this.byPrint.get(print);
    return verdict !== undefined && verdict.rowId === live.rowId && verdict.hash === live.hash;
  }

  set(print: string, live: Verdict): void {
    if (this.byPrint.size >= MAX_CACHED) this.byPrint.clear();
    this.byPrint.set(print, live);
  }
}

/**
 * Only the VIGIL_ADMIN_TOKEN may lack the `vgl_` shape, and it has at least 32 characters: a
 * shorter string, or a broken `vgl_` one, is nobody's token and costs no hash.
 */
function couldBeBootstrap(token: string): boolean {
  return token.length >= MIN_BOOTSTRAP_LENGTH && !token.startsWith(GENERATED_PREFIX);
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
