import fs from 'node:fs';
import path from 'node:path';
import type { VigilConfig } from './config/schema.js';
import { createLogger, type Logger } from './log/logger.js';
import { EventBus } from './events/bus.js';
import { openDatabase, type Db } from './store/database.js';
import { migrate } from './store/migrate.js';
import { storeMigrations } from './store/migrations.js';
import { DicomIndex } from './store/dicom-index.js';
import { FileStore } from './store/file-store.js';
import { InstanceStore } from './store/instance-store.js';
import { markCleanShutdown, runStartupCheck, type StartupReport } from './store/startup-check.js';
import { DicomServer } from './dicom/dicom-server.js';
import { createApp } from './api/app.js';
import { HttpServer } from './api/http-server.js';

/** Something with a lifecycle; started in order, stopped in reverse. */
interface Part {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface VigilNode {
  config: VigilConfig;
  log: Logger;
  db: Db;
  bus: EventBus;
  index: DicomIndex;
  files: FileStore;
  store: InstanceStore;
  dicom: DicomServer;
  http: HttpServer;
  startup: StartupReport;
  stop(): Promise<void>;
}

/**
 * The composition root: builds every part from one validated config, runs the start-up check,
 * then opens the doors (HTTP, then DICOM). Nothing else wires parts together.
 */
export async function startNode(config: VigilConfig, opts: { log?: Logger } = {}): Promise<VigilNode> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const log = opts.log ?? createLogger(config.log, config.dataDir);
  const db = openDatabase(path.join(config.dataDir, 'index.sqlite'));
  const { applied } = migrate(db, [storeMigrations]);
  if (applied.length > 0) log.info('index migrated', { applied });

  const bus = new EventBus(log.child({ component: 'events' }));
  const index = new DicomIndex(db);
  const files = new FileStore(config.dataDir, config.storage);
  files.init();
  const startup = await runStartupCheck(config.dataDir, files, index, log.child({ component: 'store' }));
  const store = new InstanceStore(files, index, bus, log.child({ component: 'store' }));
  const dicom = new DicomServer(config.dicom, store, log.child({ component: 'dicom' }));
  const startedAt = Date.now();
  const app = createApp({
    config,
    index,
    files,
    log: log.child({ component: 'api' }),
    status: { dicomListening: () => dicom.listening, activeAssociations: () => dicom.activeAssociations, startedAt },
  });
  const http = new HttpServer(config.http, app, log.child({ component: 'http' }));

  const parts: Part[] = [
    { name: 'http', start: () => http.start(), stop: () => http.stop() },
    { name: 'dicom', start: () => dicom.start(), stop: () => dicom.stop() },
  ];
  const started: Part[] = [];
  const stop = async (): Promise<void> => {
    for (const part of [...started].reverse()) {
      await part.stop().catch((err: unknown) => log.error('part failed to stop', { part: part.name, error: (err as Error).message }));
    }
    started.length = 0;
    db.close();
    markCleanShutdown(config.dataDir);
    log.info('Vigil stopped');
  };
  try {
    for (const part of parts) {
      await part.start();
      started.push(part);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  log.info('Vigil ready', { aeTitle: config.dicom.aeTitle, dicomPort: dicom.port, httpPort: http.port });
  return { config, log, db, bus, index, files, store, dicom, http, startup, stop };
}
