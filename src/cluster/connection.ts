import pg from 'pg';

/**
 * Where the cluster's shared PostgreSQL is: a connection string (`storage.database.url`,
 * `VIGIL_DATABASE_URL`) or pg's own settings (tests, a caller that already parsed them).
 */
export type ClusterDatabase = string | pg.ClientConfig;

/**
 * A dedicated client for one of the cluster's long-lived sessions (the leader's lock, the relay's
 * LISTEN): never from a pool, because a pool would hand the session to someone else or close it
 * when idle, and the session is the point. TCP keep-alive makes a dead peer surface as an error
 * instead of a session that looks open for hours; `application_name` names it in pg_stat_activity.
 */
export function dedicatedClient(database: ClusterDatabase, applicationName: string, connectTimeoutMs = 10_000): pg.Client {
  const base: pg.ClientConfig = typeof database === 'string' ? { connectionString: database } : database;
  return new pg.Client({ ...base, keepAlive: true, application_name: applicationName, connectionTimeoutMillis: connectTimeoutMs });
}

/**
 * Ends a client without waiting on a server that may be gone: `end()` sends Terminate and waits
 * for the socket to close, which a half-dead connection never does.
 */
export async function closeQuietly(client: pg.Client): Promise<void> {
  client.removeAllListeners('notification');
  await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
}
