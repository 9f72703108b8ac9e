import cron from 'node-cron';
import { z } from 'zod';

/**
 * Retention (as Orthanc's MaximumStorageSize and a maximum age): which studies the scheduled
 * run removes, oldest last arrival first. Off unless one of the two limits is set. A study
 * that something still needs is never removed (src/store/retention/protections.ts).
 */
const retentionSection = z
  .strictObject({
    /** Remove studies whose last instance arrived more than this many days ago; null: no age limit. */
    maxAgeDays: z.number().positive().max(36_500).nullable().default(null),
    /** Remove the oldest studies while stored files take more than this many MB; null: no size limit. */
    maxStorageMb: z.number().int().min(1).nullable().default(null),
    /** When the run looks (node-cron syntax, UTC; a seconds field is allowed). */
    schedule: z
      .string()
      .default('*/10 * * * *')
      .refine((expr) => cron.validate(expr), { message: 'not a valid cron expression' }),
  })
  .prefault({});

/**
 * Where the index lives. SQLite in the data folder by default (one node); a PostgreSQL URL puts
 * the index and every queue on that server, shared by every node pointed at it (src/db/postgres/).
 */
const databaseSection = z
  .strictObject({
    /**
     * `postgres://user:password@host:port/database` (libpq's URL form); null keeps the embedded
     * SQLite index. Its password is never logged.
     */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'not a PostgreSQL URL (postgres://user:password@host:port/database)' })
      .nullable()
      .default(null),
    /**
     * The longest wait for one statement's answer, in ms: past it the index call fails (coded
     * INDEX_UNAVAILABLE) instead of holding the node's thread while the server is unreachable.
     */
    statementTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  })
  .prefault({});

export const storageSection = z
  .strictObject({
    /**
     * fsync every instance before acknowledging it. Turning this off trades durability on
     * power loss for speed; a kill -9 loses nothing either way.
     */
    fsync: z.boolean().default(true),
    /** Refuse new instances (out of resources) when free space falls below this many MB. */
    minFreeMb: z.number().int().min(0).default(512),
    /**
     * The longest element value taken, in MB, outside Pixel Data: an instance with a longer one
     * is refused (C005). Large values never come into memory whatever this is; it bounds what
     * a sender may make the node keep.
     */
    maxElementMb: z.number().int().min(1).max(4095).default(256),
    retention: retentionSection,
    database: databaseSection,
    /**
     * An instance whose SOP Instance UID the store holds, sent again with other content (other
     * pixels, another PatientID): `keep-first` keeps the one held and answers B001;
     * `overwrite` replaces it (moving it if its patient, study or series changed) and answers
     * B002. Either way it is logged and in /changes. An identical re-send is a plain success.
     */
    duplicates: z.enum(['keep-first', 'overwrite']).default('keep-first'),
    /**
     * Group commit: instances whose data ends within this many milliseconds of each other share
     * one flush pass and one index transaction before their C-STORE responses leave (nothing is
     * acknowledged before it is on disk and indexed either way). 0 groups only what is ready at
     * the same moment and adds no wait; more lets parallel associations join a group, each
     * instance waiting up to this long.
     */
    groupCommitMs: z.number().int().min(0).max(100).default(0),
  })
  .prefault({});

export type StorageConfig = z.infer<typeof storageSection>;
export type RetentionConfig = StorageConfig['retention'];
export type DatabaseConfig = StorageConfig['database'];
