import { AlertsPart, type AlertsDeps } from '../../src/alerts/alerts.js';
import { alertMigrations } from '../../src/alerts/migrations.js';
import { alertsSection } from '../../src/config/sections/alerts.js';
import type { z } from 'zod';
import { logSection } from '../../src/config/sections/log.js';
import { createLogger } from '../../src/log/logger.js';
import { indexPath, openDatabase, type SqliteDb } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { CaptureTransport } from './log-capture.js';
import { makeTempDir, removeDir } from './tmp.js';

export type AlertsConfigInput = z.input<typeof alertsSection>;

export interface AlertsHarness {
  dir: string;
  db: SqliteDb;
  index: DicomIndex;
  part: AlertsPart;
  logs: CaptureTransport;
  /** Stops the part; with `keep`, leaves the index for a restart on the same folder. */
  dispose(keep?: boolean): Promise<void>;
}

/** The alerts part on a fresh index (or `dir`'s), without the rest of the node. Not started. */
export function alertsHarness(
  config: AlertsConfigInput,
  opts: Partial<Pick<AlertsDeps, 'clock' | 'createChannel' | 'random' | 'keyImage'>> & { dir?: string } = {},
): AlertsHarness {
  const dir = opts.dir ?? makeTempDir();
  const db = openDatabase(indexPath(dir));
  migrate(db, [storeMigrations, queueMigrations, alertMigrations]);
  const index = new DicomIndex(db);
  const logs = new CaptureTransport();
  const log = createLogger(logSection.parse({ level: 'debug' }), dir, { console: false, transports: [logs] });
  const part = new AlertsPart({ config: alertsSection.parse(config), db, index, log, random: () => 0.5, ...opts });
  return {
    dir,
    db,
    index,
    part,
    logs,
    async dispose(keep = false) {
      await part.stop();
      db.close();
      if (!keep) removeDir(dir);
    },
  };
}
