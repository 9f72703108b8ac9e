import type { Db, DbStatement } from '../../db/database.js';
import { containsText, jsonField } from '../../db/dialect.js';

type On = Pick<Db, 'dialect'>;

/**
 * What keeps a study from retention, each a question asked of the index about one study. The
 * tables are other parts' (alerts, worklist, triage, plugins, series tracker): all of them are
 * migrated before the node starts.
 */
export const PROTECTIONS = [
  // an alert of a critical finding nobody has acknowledged yet
  'unacknowledged-critical-alert',
  // a positive AI result (not replaced) on a study not marked read
  'unread-positive',
  // a triage job queued or running on one of its series
  'pending-triage-job',
  // a forward of the routing rules still to be sent (its queue in the durable job queue)
  'pending-forward',
  // a plugin's queued job that names the study or one of its series (by id or UID)
  'pending-plugin-job',
  // an alert message (HL7, FHIR, webhook, DICOM result) still to be delivered
  'pending-alert-delivery',
  // a series still receiving (its idle window open) or whose stable event is not handed over
  'series-in-progress',
] as const;
export type Protection = (typeof PROTECTIONS)[number];

/** The forwarder's queue in queue_jobs (FORWARD_QUEUE of src/rules/forwarder.ts, a layer above). */
const FORWARD_QUEUE = 'rule-forwards';

/** Series of the study `@study`: ids and UIDs a job payload may name. */
const SERIES_OF = 'SELECT id, series_instance_uid FROM series WHERE study_ref = @study';

/** A pending job of the queue(s) `owner` names whose JSON payload holds the study's or a series' id or UID as a string. */
const namesStudy = (db: On, owner: string): string => `
  SELECT 1 FROM queue_jobs j WHERE j.state IN ('queued', 'running') AND ${owner} AND (
    ${containsText(db, 'j.payload', `'"' || @study || '"'`)}
    OR ${containsText(db, 'j.payload', `'"' || (SELECT study_instance_uid FROM studies WHERE id = @study) || '"'`)}
    OR EXISTS (SELECT 1 FROM (${SERIES_OF}) s
               WHERE ${containsText(db, 'j.payload', `'"' || s.id || '"'`)} OR ${containsText(db, 'j.payload', `'"' || s.series_instance_uid || '"'`)}))`;

const questions = (db: On): Record<Protection, string> => ({
  'unacknowledged-critical-alert': `SELECT 1 FROM alerts WHERE study_id = @study AND critical = 1 AND state = 'open'`,
  'unread-positive': `
    SELECT 1 FROM worklist_findings f WHERE f.study_id = @study AND f.positive = 1 AND f.replaced_by IS NULL
      AND NOT EXISTS (SELECT 1 FROM worklist_reading r WHERE r.study_id = @study AND r.status = 'read')`,
  'pending-triage-job': `
    SELECT 1 FROM queue_jobs WHERE queue = 'triage' AND state IN ('queued', 'running')
      AND ${jsonField(db, 'payload', 'seriesId')} IN (SELECT id FROM series WHERE study_ref = @study)`,
  'pending-forward': namesStudy(db, `j.queue = '${FORWARD_QUEUE}'`),
  'pending-plugin-job': namesStudy(db, `j.queue LIKE 'plugin:%'`),
  'pending-alert-delivery': `
    SELECT 1 FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.study_id = @study AND d.state = 'pending'`,
  'series-in-progress': `
    SELECT 1 FROM series_state st JOIN series s ON s.id = st.series_id
    WHERE s.study_ref = @study AND (st.state = 'open' OR st.emit_pending = 1)`,
});

/** Asks every protection of a study; prepared once. */
export class RetentionProtections {
  private readonly questions: [Protection, DbStatement<[{ study: string }]>][];

  constructor(db: Db) {
    // CASE: PostgreSQL returns EXISTS as a boolean, SQLite as 0/1; this is 0/1 on both.
    const asked = questions(db);
    this.questions = PROTECTIONS.map((p) => [p, db.prepare<[{ study: string }]>(`SELECT CASE WHEN EXISTS (${asked[p]}) THEN 1 ELSE 0 END AS yes`)]);
  }

  /** Every protection that holds for the study (empty: it may be removed). */
  of(studyId: string): Protection[] {
    return this.questions.filter(([, q]) => (q.get({ study: studyId }) as { yes: number }).yes === 1).map(([p]) => p);
  }
}
