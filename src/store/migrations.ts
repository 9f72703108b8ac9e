import type { MigrationSet } from '../db/migrate.js';

/** The core index: the DICOM hierarchy and the change feed. */
export const storeMigrations: MigrationSet = {
  part: 'store',
  migrations: [
    {
      version: 1,
      name: 'dicom hierarchy and change feed',
      sql: `
        CREATE TABLE patients (
          id TEXT PRIMARY KEY,
          patient_id TEXT NOT NULL,
          main_tags TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        -- /tools/find by PatientID
        CREATE INDEX patients_patient_id ON patients (patient_id);

        CREATE TABLE studies (
          id TEXT PRIMARY KEY,
          patient_ref TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
          study_instance_uid TEXT NOT NULL,
          study_date TEXT,
          accession_number TEXT,
          main_tags TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        -- children of a patient
        CREATE INDEX studies_patient ON studies (patient_ref);
        -- lookups by UID (MPPS, findings) and by accession (orders from the RIS)
        CREATE INDEX studies_uid ON studies (study_instance_uid);
        CREATE INDEX studies_accession ON studies (accession_number);
        -- /tools/find date ranges
        CREATE INDEX studies_date ON studies (study_date);

        CREATE TABLE series (
          id TEXT PRIMARY KEY,
          study_ref TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
          series_instance_uid TEXT NOT NULL,
          modality TEXT,
          main_tags TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        -- children of a study
        CREATE INDEX series_study ON series (study_ref);
        -- lookups by UID (MPPS references series by UID)
        CREATE INDEX series_uid ON series (series_instance_uid);

        CREATE TABLE instances (
          id TEXT PRIMARY KEY,
          series_ref TEXT NOT NULL REFERENCES series (id) ON DELETE CASCADE,
          sop_instance_uid TEXT NOT NULL,
          sop_class_uid TEXT NOT NULL,
          instance_number INTEGER,
          transfer_syntax_uid TEXT NOT NULL,
          file_path TEXT NOT NULL UNIQUE,
          file_size INTEGER NOT NULL,
          calling_ae TEXT,
          remote_address TEXT,
          received_at INTEGER NOT NULL,
          main_tags TEXT NOT NULL
        );
        -- children of a series, in instance order
        CREATE INDEX instances_series ON instances (series_ref, instance_number);
        -- lookups by UID (MPPS lists instances by UID)
        CREATE INDEX instances_uid ON instances (sop_instance_uid);

        CREATE TABLE changes (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          type TEXT NOT NULL,
          resource_type TEXT NOT NULL,
          resource_id TEXT NOT NULL,
          at INTEGER NOT NULL,
          data TEXT
        );
      `,
    },
    {
      version: 2,
      name: 'retention: files whose index rows are removed, until the files are gone',
      sql: `
        -- Retention removes a study's rows and lists its files here in one transaction, then
        -- removes the files and these rows. A stop in between leaves the list, which the next
        -- start finishes before it looks for files without rows (which it would index again).
        CREATE TABLE retention_pending_files (
          file_path TEXT PRIMARY KEY,
          queued_at INTEGER NOT NULL
        );
        -- oldest last arrival first
        CREATE INDEX studies_updated_at ON studies (updated_at);
      `,
    },
  ],
};
