import type { ArgumentsOf, Db, DbRunResult, DbStatement } from '../database.js';
import { bindValues, translatePlaceholders, type Translated } from './placeholders.js';
import type { SyncConnection } from './sync-connection.js';

/**
 * The index on PostgreSQL behind the node's one database interface (`Db`, as better-sqlite3
 * shapes it): statements with `?` or `@name` parameters, synchronous transactions, savepoints
 * for nested ones. Each node process holds one connection; several nodes share the server, and
 * what must happen once across them rests on the schema's unique keys and on
 * `FOR UPDATE SKIP LOCKED` claims, never on this process being the only writer.
 */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  private depth = 0;
  private closed = false;

  constructor(private readonly connection: SyncConnection) {}

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): P extends unknown[] ? DbStatement<P, R> : DbStatement<[P], R> {
    return new PostgresStatement<R>(this, this.connection, translatePlaceholders(sql)) as unknown as P extends unknown[]
      ? DbStatement<P, R>
      : DbStatement<[P], R>;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the constraint of Db.transaction
  transaction<F extends (...args: any[]) => unknown>(fn: F): (...args: ArgumentsOf<F>) => ReturnType<F> {
    return (...args: ArgumentsOf<F>): ReturnType<F> => {
      const level = this.depth;
      const savepoint = `vigil_${level}`;
      this.connection.query(level === 0 ? 'BEGIN' : `SAVEPOINT ${savepoint}`, null, { mayReconnect: level === 0 });
      this.depth++;
      try {
        const result = fn(...args) as ReturnType<F>;
        if (result instanceof Promise) throw new TypeError('a transaction function must be synchronous (it would commit before the promise settles)');
        // A nested level's savepoint is not released: COMMIT (or a rollback of an outer level)
        // ends it anyway, and a RELEASE would be one more round trip per level. The next
        // savepoint of this level has the same name and shadows it, so a ROLLBACK TO reaches
        // the most recent one, this level's.
        if (level === 0) this.connection.query('COMMIT', null, { mayReconnect: false });
        return result;
      } catch (err) {
        try {
          this.connection.query(level === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`, null, { mayReconnect: false });
        } catch {
          // The connection is gone with the transaction in it: the server rolled it back.
        }
        throw err;
      } finally {
        this.depth = level;
      }
    };
  }

  exec(sql: string): this {
    this.connection.query(sql, null, { mayReconnect: !this.inTransaction });
    return this;
  }

  close(): this {
    if (!this.closed) this.connection.end();
    this.closed = true;
    return this;
  }
}

class PostgresStatement<R> implements DbStatement<unknown[], R> {
  constructor(
    private readonly db: PostgresDb,
    private readonly connection: SyncConnection,
    private readonly sql: Translated,
  ) {}

  run(...args: unknown[]): DbRunResult {
    const { rowCount } = this.query(args);
    return {
      changes: rowCount,
      get lastInsertRowid(): never {
        throw new TypeError('PostgreSQL has no row ids: write RETURNING and read the row (it works on SQLite too)');
      },
    };
  }

  get(...args: unknown[]): R | undefined {
    return this.all(...args)[0];
  }

  all(...args: unknown[]): R[] {
    return this.query(args).rows as R[];
  }

  iterate(...args: unknown[]): IterableIterator<R> {
    return this.all(...args)[Symbol.iterator]();
  }

  private query(args: unknown[]): { rows: Record<string, unknown>[]; rowCount: number } {
    return this.connection.query(this.sql.text, bindValues(this.sql, args), { mayReconnect: !this.db.inTransaction });
  }
}
