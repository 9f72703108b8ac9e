import type { Db } from './database.js';

/**
 * Append-only schema history. Each part of the node owns its own list (its `part` name keeps
 * the versions apart); a shipped migration is never edited, a change is a new entry.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationSet {
  part: string;
  migrations: readonly Migration[];
}

export function migrate(db: Db, sets: readonly MigrationSet[]): { applied: string[] } {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    part TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (part, version)
  )`);
  const current = db.prepare<[string], { v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE part = ?');
  const record = db.prepare('INSERT INTO schema_migrations (part, version, name, applied_at) VALUES (?, ?, ?, ?)');
  const applied: string[] = [];
  for (const set of sets) {
    assertOrdered(set);
    const done = current.get(set.part)?.v ?? 0;
    for (const m of set.migrations) {
      if (m.version <= done) continue;
      db.transaction(() => {
        db.exec(m.sql);
        record.run(set.part, m.version, m.name, Date.now());
      })();
      applied.push(`${set.part}#${m.version} ${m.name}`);
    }
  }
  return { applied };
}

export function assertOrdered(set: MigrationSet): void {
  set.migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations of ${set.part} must be numbered 1..n in order; found ${m.version} at ${i + 1}`);
  });
}
