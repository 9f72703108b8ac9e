/**
 * Group commit for received instances. Instances whose files are in place within one short
 * window share one flush pass (their fsyncs issued together, which the filesystem's journal
 * joins) and one index transaction, and only then does each learn its outcome, so its C-STORE
 * response leaves after it is on disk and indexed, as without grouping.
 *
 * Each member writes in a savepoint of the group's transaction: one that fails (a constraint, a
 * listener that throws through) is undone alone and fails alone; the others commit. A failed
 * flush fails its member before the transaction. A failed commit fails every member: none is
 * acknowledged, and each caller removes its file.
 *
 * The window starts with the first member of a group. 0 groups what is ready in the same turn of
 * the event loop (no wait added); a few milliseconds let more associations join, at that cost in
 * latency for each instance (README, "Receiving benchmark").
 */
export interface GroupCommitOptions {
  /** How long a group stays open after its first member, ms (storage.groupCommitMs). */
  windowMs: number;
  /** A group this large is committed at once, window or not. */
  maxMembers: number;
}

export interface GroupMember<T> {
  /** Makes the member's file durable (fsync); called once, whatever happens to the group. */
  flush(): Promise<void>;
  /** Indexes the member, inside the group's transaction; its return value is the submit's. */
  write(): T;
}

interface Pending {
  member: GroupMember<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(
    /** Runs a function in one transaction; nested calls are savepoints (better-sqlite3's). */
    private readonly transaction: <T>(fn: () => T) => T,
    private readonly opts: GroupCommitOptions,
    /** Told each group's size once it committed (metrics). */
    private readonly onGroup?: (size: number) => void,
  ) {}

  /** Resolves with `write`'s value once the member is durable and the group committed. */
  submit<T>(member: GroupMember<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ member, resolve: resolve, reject });
      if (this.pending.length >= this.opts.maxMembers) this.close();
      else if (this.timer === undefined) {
        this.timer = this.opts.windowMs <= 0 ? setImmediate(() => this.close()) : setTimeout(() => this.close(), this.opts.windowMs);
      }
    });
  }

  /** Members waiting for their group now. */
  get waiting(): number {
    return this.pending.length;
  }

  private close(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    const group = this.pending;
    this.pending = [];
    if (group.length > 0) void this.commit(group);
  }

  private async commit(group: Pending[]): Promise<void> {
    const flushed = await Promise.allSettled(group.map((p) => p.member.flush()));
    const outcomes: Outcome[] = [];
    try {
      this.transaction(() => {
        group.forEach((p, i) => {
          const f = flushed[i]!;
          if (f.status === 'rejected') return void (outcomes[i] = { ok: false, error: f.reason });
          try {
            outcomes[i] = { ok: true, value: this.transaction(() => p.member.write()) };
          } catch (error) {
            outcomes[i] = { ok: false, error };
          }
        });
      });
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    this.onGroup?.(group.length);
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }
}
