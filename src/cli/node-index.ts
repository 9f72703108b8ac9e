import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditTrail } from '../audit/audit-trail.js';
import { auditMigrations } from '../audit/migrations.js';
import type { VigilConfig } from '../config/schema.js';
import { isVigilError } from '../errors.js';
import { indexPath, openDatabase, type Db } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { modelSiteMigrations } from '../triage/site/migrations.js';
import { loadConfigOrExit } from './load-config.js';

/**
 * Runs a command on an existing node's index (the node may be running: SQLite takes the write,
 * the node reads IT's model decisions at its next finding). A change (`audited` names it) goes
 * to the audit trail as `cli:<user>`, with its outcome, failures included.
 */
export async function withNodeIndex(
  audited: string | undefined,
  params: Record<string, string>,
  fn: (db: Db, config: VigilConfig, author: string) => Promise<void> | void,
): Promise<void> {
  const { config } = loadConfigOrExit();
  const dir = path.resolve(config.dataDir);
  if (!fs.existsSync(indexPath(dir))) {
    process.stderr.write(`vigil: no Vigil index in ${dir} (no node has started on it): set VIGIL_DATA_DIR (or dataDir in the config) to the data folder of your node\n`);
    process.exitCode = 1;
    return;
  }
  const db = openDatabase(indexPath(dir));
  const author = cliUser();
  const audit = (status: number): void => {
    if (audited) new AuditTrail(db).record({ tokenName: author, role: null, address: 'local', method: 'CLI', route: `vigil ${audited}`, params, resources: [], status });
  };
  try {
    migrate(db, [auditMigrations, modelSiteMigrations]);
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

export function cliUser(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}
