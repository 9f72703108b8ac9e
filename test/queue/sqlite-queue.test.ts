import path from 'node:path';
import { openDatabase, type SqliteDb } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { IndexJobQueue } from '../../src/queue/index-queue.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { queueContract } from './contract.js';

queueContract('SQLite (better-sqlite3, a file in a temp folder)', (clock) => {
  const dir = makeTempDir();
  const file = path.join(dir, 'index.db');
  const dbs: SqliteDb[] = [];
  const open = (): IndexJobQueue => {
    const db = openDatabase(file);
    dbs.push(db);
    migrate(db, [queueMigrations]);
    return new IndexJobQueue(db, { clock, random: () => 1 });
  };
  return {
    queue: open(),
    // The first handle is left open, as a killed process leaves its file: the second reads only what was committed.
    reopen: open,
    close() {
      for (const db of dbs) if (db.open) db.close();
      removeDir(dir);
    },
  };
});
