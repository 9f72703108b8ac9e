import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditTrail } from '../audit/audit-trail.js';
import type { VigilConfig } from '../config/schema.js';
import { isVigilError } from '../core/errors.js';
import { indexPath, type Db } from '../db/database.js';
import { openIndex } from '../db/open-index.js';
import { postgresIndexMigrations, sqliteIndexMigrations } from '../node-schema.js';
import { loadConfigOrExit } from './load-config.js';

/** What a command on a node's index needs of it. */
export interface NodeIndexUse {
  /** The change, as the audit trail names it (`vigil <audited>`); a read leaves no row. */
  audited?: string;
  params?: Record<string, string>;
  /** Whether the command may make the index in an existing data folder (to seed a node before its first start). */
  mayCreateIndex?: boolean;
}

/**
 * Runs a command on an existing node's data folder (the node may be running: SQLite takes the
 * write). It never creates a data folder: a mistyped or unset VIGIL_DATA_DIR would otherwise leave
 * a new ./data behind and find nothing. A change goes to the audit trail as `cli:<user>`, with its
 * outcome, failures included.
 */
export async function withNodeIndex(use: NodeIndexUse, fn: (db: Db, config: VigilConfig, author: string) => Promise<void> | void): Promise<void> {
  const { config } = loadConfigOrExit();
  // On PostgreSQL the index is the server's: there is no file to look for.
  const missing = config.storage.database.url === null ? missingIndex(config.dataDir, !use.mayCreateIndex) : undefined;
  if (missing) {
    process.stderr.write(`vigil: ${missing}\n`);
    process.exitCode = 1;
    return;
  }
  // The node's whole schema, as startNode applies it: an index is never left with some parts
  // migrated in another order (a token made before the first start, an older index).
  const { db } = await openIndex(
    path.resolve(config.dataDir),
    config.storage.database,
    { sqlite: sqliteIndexMigrations, postgres: postgresIndexMigrations },
    {
      applicationName: `vigil cli ${process.pid}`,
    },
  );
  const author = cliUser();
  const audit = (status: number): void => {
    if (use.audited) {
      new AuditTrail(db).record({
        tokenName: author,
        role: null,
        address: 'local',
        method: 'CLI',
        route: `vigil ${use.audited}`,
        params: use.params ?? {},
        resources: [],
        status,
      });
    }
  };
  try {
    await fn(db, config, author);
    audit(200);
  } catch (err) {
    if (!isVigilError(err)) throw err;
    audit(err.status);
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    db.close();
  }
}

/** The model commands: IT's decisions on a pack (mode, site operating points). */
export function withModelSite(
  audited: string | undefined,
  params: Record<string, string>,
  fn: (db: Db, config: VigilConfig, author: string) => Promise<void> | void,
): Promise<void> {
  return withNodeIndex({ audited, params }, fn);
}

function missingIndex(dataDir: string, needsIndex: boolean): string | undefined {
  const dir = path.resolve(dataDir);
  const hint = 'set VIGIL_DATA_DIR (or dataDir in the config) to the data folder of your node';
  if (!fs.existsSync(dir)) return `no data folder at ${dir}: ${hint}`;
  if (needsIndex && !fs.existsSync(indexPath(dir))) return `no Vigil index in ${dir} (no node has started on it): ${hint}`;
  return undefined;
}

export function cliUser(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}
