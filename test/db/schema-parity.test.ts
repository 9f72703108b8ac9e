import { expect } from 'chai';
import pg from 'pg';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { migratePostgres } from '../../src/db/postgres-migrate.js';
import { postgresIndexMigrations, sqliteIndexMigrations } from '../../src/node-schema.js';
import { usePostgresCluster } from '../helpers/postgres.js';
import { compareSchemas, predicateWords, rowidTables } from './schema-compare.js';
import { postgresSchema, sqliteSchema, type SchemaShape } from './schema-snapshot.js';

/**
 * The index's schema on PostgreSQL (src/node-schema.ts) is the SQLite one: every part has a list
 * on both, and a fresh SQLite index and a fresh PostgreSQL database, each migrated with its own
 * list, have the same tables and views, columns in the same order with compatible types and
 * NOT NULL, keys, unique constraints, indexes, foreign keys and triggers (schema-compare.ts says
 * what may differ). A schema change made in one list only fails here.
 */
describe('index schema parity, SQLite and PostgreSQL 15', () => {
  describe('the migration lists', () => {
    it('has a PostgreSQL list for every SQLite part, in the same order', () => {
      expect(postgresIndexMigrations.map((s) => s.part)).to.deep.equal(sqliteIndexMigrations.map((s) => s.part));
    });

    it('numbers every PostgreSQL list 1..n', () => {
      for (const set of postgresIndexMigrations) {
        expect(
          set.migrations.map((m) => m.version),
          set.part,
        ).to.deep.equal(set.migrations.map((_, i) => i + 1));
      }
    });
  });

  describe('the migrated schemas (a throw-away PostgreSQL 15 cluster)', () => {
    const cluster = usePostgresCluster();
    // Nested, so that its after hook closes the connection before the cluster's stops the server.
    describe('a fresh index on each', () => {
      let db: Db;
      let client: pg.Client;
      let lite: SchemaShape;
      let postgres: SchemaShape;
      before(async function () {
        this.timeout(60_000);
        db = openDatabase(':memory:');
        migrate(db, sqliteIndexMigrations);
        lite = sqliteSchema(db);
        client = new pg.Client(await cluster().createDatabase());
        await client.connect();
        await migratePostgres(client, postgresIndexMigrations);
        postgres = await postgresSchema(client);
      });
      after(async () => {
        db?.close();
        await client?.end();
      });

      it('has the same tables and views, columns, types, NOT NULLs, keys, indexes and triggers', () => {
        expect(lite.size, 'tables and views read from SQLite').to.be.greaterThan(20);
        expect(compareSchemas(lite, postgres)).to.deep.equal([]);
      });

      it('adds an explicit rowid only to the tables whose rows the code addresses by rowid', () => {
        // grep rowid in src: dicom-index.ts and find.ts (the DICOM hierarchy), sender-history-store.ts,
        // alert-store.ts, findings.ts. A new one here needs a reason in its part's postgres-migrations.ts.
        expect(rowidTables(postgres).sort()).to.deep.equal(['alerts', 'instances', 'patients', 'series', 'series_sender_gaps', 'studies', 'triage_findings']);
      });

      it('reads the CHECK constraints of both', () => {
        expect(lite.get('alert_delivery_records')!.checks).to.have.length(2);
        expect(postgres.get('alert_delivery_records')!.checks).to.have.length(2);
      });

      it('applies nothing on a second run', async () => {
        expect((await migratePostgres(client, postgresIndexMigrations)).applied).to.deep.equal([]);
      });

      it('reports a column left out of one side, and an index whose predicate differs', () => {
        const table = (schema: SchemaShape, name: string) => schema.get(name)!;
        const missing = new Map(postgres);
        missing.set('alerts', { ...table(postgres, 'alerts'), columns: table(postgres, 'alerts').columns.filter((c) => c.name !== 'confirms') });
        expect(compareSchemas(lite, missing)).to.include(
          'alerts: columns differ: SQLite ' +
            JSON.stringify(table(lite, 'alerts').columns.map((c) => c.name)) +
            ', PostgreSQL ' +
            JSON.stringify(
              missing
                .get('alerts')!
                .columns.filter((c) => c.name !== 'rowid')
                .map((c) => c.name),
            ),
        );

        const loose = new Map(postgres);
        const studies = table(postgres, 'worklist_findings');
        loose.set('worklist_findings', {
          ...studies,
          indexes: studies.indexes.map((i) => (i.name === 'worklist_findings_study' ? { ...i, predicate: 'replaced_by IS NOT NULL' } : i)),
        });
        expect(compareSchemas(lite, loose).join('\n')).to.contain('index worklist_findings_study: predicate differ');
      });

      it('keeps the worklist ranking in step on both, through the triggers', async () => {
        // The same statements on both engines (plain SQL both read alike); after each, the ranking
        // and its counts must agree. PL/pgSQL resolves a trigger's names only when it first runs,
        // so this is also what shows that every ranking trigger's body is valid on PostgreSQL.
        const steps = [
          `INSERT INTO patients (id, patient_id, main_tags, created_at, updated_at) VALUES ('p1', 'P1', '{}', 1, 1)`,
          `INSERT INTO studies (id, patient_ref, study_instance_uid, accession_number, main_tags, created_at, updated_at) VALUES ('s1', 'p1', '1.2.1', 'A1', '{}', 10, 10)`,
          `INSERT INTO studies (id, patient_ref, study_instance_uid, accession_number, main_tags, created_at, updated_at) VALUES ('s2', 'p1', '1.2.2', 'A2', '{}', 20, 20)`,
          `INSERT INTO worklist_orders (accession, id, hl7_priority, priority, order_control, state, message_type, control_id, received_at, updated_at)
           VALUES ('A1', 'o1', 'S', 'stat', 'NW', 'active', 'ORM^O01', 'c1', 30, 30)`,
          `UPDATE worklist_orders SET state = 'cancelled' WHERE accession = 'A1'`,
          `INSERT INTO worklist_rule_hints (study_id, series_id, rule_id, priority, at) VALUES ('s2', 'x1', 'r1', 'urgent', 40)`,
          `INSERT INTO worklist_findings (finding_id, study_id, series_id, model_id, model_version, device_uid, concept_system, concept_code, concept_display,
           probability, threshold, operating_point, positive, critical, ai_priority, has_key_image, created_at)
           VALUES ('f1', 's1', 'x2', 'm', '1', '2.25.1', 'sys', 'c', 'C', 0.9, 0.5, 'shipped', 1, 1, 'stat', 0, 50)`,
          `UPDATE worklist_findings SET replaced_by = 'f2' WHERE finding_id = 'f1'`,
          `INSERT INTO worklist_reading (study_id, status, claimed_by, claimed_at, updated_at) VALUES ('s2', 'in-progress', 'dr', 60, 60)`,
          `UPDATE worklist_reading SET status = 'read', read_by = 'dr', read_at = 70 WHERE study_id = 's2'`,
          `UPDATE studies SET accession_number = 'A1' WHERE id = 's2'`,
          `DELETE FROM worklist_rule_hints WHERE study_id = 's2'`,
          `DELETE FROM worklist_reading WHERE study_id = 's2'`,
          `DELETE FROM worklist_orders WHERE accession = 'A1'`,
          `DELETE FROM studies WHERE id = 's1'`,
        ];
        const ranking = `SELECT study_id, accession_number, status, claimed_by, order_rank, rule_rank, ai_rank, effective_rank FROM worklist_rank ORDER BY study_id`;
        const counts = `SELECT status, effective_rank, CAST(n AS INTEGER) AS n FROM worklist_rank_counts WHERE n <> 0 ORDER BY status, effective_rank`;
        for (const step of steps) {
          db.exec(step);
          await client.query(step);
          const onPostgres = { ranking: (await client.query(ranking)).rows, counts: (await client.query(counts)).rows };
          expect(onPostgres, step).to.deep.equal({ ranking: db.prepare(ranking).all(), counts: db.prepare(counts).all() });
        }
        expect((await client.query(ranking)).rows).to.deep.equal([
          { study_id: 's2', accession_number: 'A1', status: 'unread', claimed_by: null, order_rank: null, rule_rank: null, ai_rank: null, effective_rank: 1 },
        ]);
      });

      it('refuses to change the audit trail on PostgreSQL too', async () => {
        await client.query(`INSERT INTO audit_log (at, method, route, params, resources, status) VALUES (1, 'GET', '/x', '{}', '[]', 200)`);
        for (const change of ['UPDATE audit_log SET status = 500', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
          const refused = await client.query(change).then(
            () => undefined,
            (err: Error) => err,
          );
          expect(refused?.message, change).to.equal('the audit trail is append-only');
        }
        expect((await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM audit_log')).rows[0]!.n).to.equal('1');
      });

      it('compares predicates by their words, not their spelling', () => {
        expect(predicateWords(`state IN ('queued', 'running')`)).to.deep.equal(predicateWords(`state = ANY (ARRAY['queued'::text, 'running'::text])`));
        expect(predicateWords(`state != 'superseded'`)).to.deep.equal(predicateWords(`state <> 'superseded'::text`));
        expect(predicateWords('revoked_at IS NULL')).not.to.deep.equal(predicateWords('revoked_at IS NOT NULL'));
      });
    });
  });
});
