/** What the index's connection thread (connection-thread.ts) and the node's thread say to each other. */

export interface ConnectionSettings {
  url: string;
  /** PostgreSQL's statement_timeout, ms: the server ends a statement running longer. */
  statementTimeoutMs: number;
  /** Names this node in pg_stat_activity. */
  applicationName: string;
}

export type ConnectionRequest =
  | {
      id: number;
      kind: 'query';
      sql: string;
      params: unknown[] | null;
      /**
       * Whether a lost connection may be replaced for this statement: not inside a transaction,
       * whose earlier statements went with the old connection (the rest would run on their own).
       */
      mayReconnect: boolean;
    }
  | { id: number; kind: 'end' };

export interface ConnectionFailure {
  message: string;
  /** PostgreSQL's SQLSTATE (23505: unique violation...), or Node's code for a network failure. */
  code?: string;
  /** The connection is gone (not a refused statement): the next request opens a new one. */
  lost: boolean;
}

export type ConnectionAnswer =
  { id: number; ok: true; rows: Record<string, unknown>[]; rowCount: number } | { id: number; ok: false; error: ConnectionFailure };
