import type { Db } from '../db/database.js';
import type { RuleSetDiff, WrittenRules } from './diff.js';

/**
 * Every rule set that has been in force, newest last. A change is a new version; a rollback is
 * a new version carrying an old document. Nothing here is ever updated or deleted.
 */
export const VERSION_SOURCES = ['api', 'file', 'rollback', 'defaults'] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

export interface RuleVersion {
  version: number;
  createdAt: string;
  author: string;
  source: VersionSource;
  rolledBackTo: number | null;
  document: unknown;
  text: string;
  rules: WrittenRules;
  diff: RuleSetDiff;
}

export type NewRuleVersion = Omit<RuleVersion, 'version' | 'createdAt'> & { at?: number };

interface Row {
  version: number;
  created_at: number;
  author: string;
  source: VersionSource;
  rolled_back_to: number | null;
  document: string;
  text: string;
  rules: string;
  diff: string;
}

export class RuleVersionStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      // RETURNING, not better-sqlite3's lastInsertRowid: the same SQL gives the key on PostgreSQL.
      insert: db.prepare<[Record<string, unknown>], { version: number }>(
        `INSERT INTO rule_versions (created_at, author, source, rolled_back_to, document, text, rules, diff)
         VALUES (@at, @author, @source, @rolledBackTo, @document, @text, @rules, @diff) RETURNING version`,
      ),
      get: db.prepare<[number], Row>('SELECT * FROM rule_versions WHERE version = ?'),
      latest: db.prepare<[], Row>('SELECT * FROM rule_versions ORDER BY version DESC LIMIT 1'),
      latestNumber: db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM rule_versions'),
      page: db.prepare<[number, number], Row>('SELECT * FROM rule_versions WHERE version < ? ORDER BY version DESC LIMIT ?'),
    };
  }

  /** Synchronous, so that it can share a transaction with the change feed. */
  append(v: NewRuleVersion): number {
    const row = this.stmts.insert.get({
      at: v.at ?? Date.now(),
      author: v.author,
      source: v.source,
      rolledBackTo: v.rolledBackTo,
      document: JSON.stringify(v.document ?? {}),
      text: v.text,
      rules: JSON.stringify(v.rules),
      diff: JSON.stringify(v.diff),
    });
    return row!.version;
  }

  get(version: number): RuleVersion | undefined {
    const row = this.stmts.get.get(version);
    return row && toVersion(row);
  }

  latest(): RuleVersion | undefined {
    const row = this.stmts.latest.get();
    return row && toVersion(row);
  }

  /** The newest version's number alone (an index look-up): has another node applied rules since? */
  latestNumber(): number | undefined {
    return this.stmts.latestNumber.get()?.v ?? undefined;
  }

  /** Newest first, before `before` (exclusive). */
  list(before: number, limit: number): RuleVersion[] {
    return this.stmts.page.all(before, limit).map(toVersion);
  }
}

function toVersion(row: Row): RuleVersion {
  return {
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    author: row.author,
    source: row.source,
    rolledBackTo: row.rolled_back_to,
    document: JSON.parse(row.document) as unknown,
    text: row.text,
    rules: JSON.parse(row.rules) as WrittenRules,
    diff: JSON.parse(row.diff) as RuleSetDiff,
  };
}
