import { alertMigrations } from './alerts/migrations.js';
import { operationalMigrations } from './alerts/operational/migrations.js';
import { operationalPostgresMigrations } from './alerts/operational/postgres-migrations.js';
import { alertsPostgresMigrations } from './alerts/postgres-migrations.js';
import { auditMigrations } from './audit/migrations.js';
import { auditPostgresMigrations } from './audit/postgres-migrations.js';
import { authMigrations } from './auth/migrations.js';
import { authPostgresMigrations } from './auth/postgres-migrations.js';
import type { MigrationSet } from './db/migrate.js';
import { pluginMigrations } from './plugins/migrations.js';
import { pluginsPostgresMigrations } from './plugins/postgres-migrations.js';
import { queueMigrations } from './queue/migrations.js';
import { postgresQueueMigrations } from './queue/postgres-migrations.js';
import { rulesMigrations } from './rules/migrations.js';
import { rulesPostgresMigrations } from './rules/postgres-migrations.js';
import { seriesMigrations } from './series/migrations.js';
import { seriesPostgresMigrations } from './series/postgres-migrations.js';
import { storeMigrations } from './store/migrations.js';
import { storePostgresMigrations } from './store/postgres-migrations.js';
import { triageMigrations } from './triage/migrations.js';
import { triagePostgresMigrations } from './triage/postgres-migrations.js';
import { modelSiteMigrations } from './triage/site/migrations.js';
import { modelSitePostgresMigrations } from './triage/site/postgres-migrations.js';
import { worklistMigrations } from './worklist/migrations.js';
import { worklistPostgresMigrations } from './worklist/postgres-migrations.js';

/**
 * The schema of the node's index: every part's migrations, in the order they are applied. Here,
 * beside node.ts, because only the top layer may name every part.
 *
 * The store first (others refer to its tables), then the job queue before its users (their
 * SQLite migrations carry their old jobs over into it; the alerts' view reads it).
 */
export const sqliteIndexMigrations: readonly MigrationSet[] = [
  storeMigrations,
  queueMigrations,
  authMigrations,
  auditMigrations,
  seriesMigrations,
  rulesMigrations,
  pluginMigrations,
  alertMigrations,
  triageMigrations,
  worklistMigrations,
  modelSiteMigrations,
  operationalMigrations,
];

/**
 * The same index on PostgreSQL (src/db/postgres-migrate.ts), part for part in the same order:
 * each part's PostgreSQL list starts at the SQLite list's final schema. Both lists are
 * append-only; a change to a part's schema is an entry in each (test/db/schema-parity.test.ts).
 */
export const postgresIndexMigrations: readonly MigrationSet[] = [
  storePostgresMigrations,
  postgresQueueMigrations,
  authPostgresMigrations,
  auditPostgresMigrations,
  seriesPostgresMigrations,
  rulesPostgresMigrations,
  pluginsPostgresMigrations,
  alertsPostgresMigrations,
  triagePostgresMigrations,
  worklistPostgresMigrations,
  modelSitePostgresMigrations,
  operationalPostgresMigrations,
];
