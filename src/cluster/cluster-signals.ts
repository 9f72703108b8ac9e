import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { ClusterDatabase } from './connection.js';
import { PostgresEventRelay } from './event-relay.js';
import { SoloLeadership, type Leadership } from './leadership.js';
import { PostgresLeadership } from './postgres-leadership.js';

export interface ClusterSignalsOptions {
  /** The shared PostgreSQL (`storage.database.url`); absent: one process on SQLite. */
  databaseUrl?: ClusterDatabase | undefined;
  /** Unique per running process in the cluster: names its sessions and tags what it relays. */
  nodeId: string;
  bus: EventBus;
  log: Logger;
  /** A follower tries for the leadership this often (default 5 s). */
  leadershipRetryMs?: number;
}

export interface ClusterSignals {
  /** Guards the once-per-cluster duties: they run only while it says this process leads. */
  leadership: Leadership;
  /** Present on PostgreSQL only: one process has no one to tell. */
  relay: PostgresEventRelay | undefined;
  /** Stops relaying and gives the leadership up (the duties hear 'stopped' first). */
  stop(): Promise<void>;
}

/**
 * The node's two signals across processes, from one setting: on SQLite, a leadership that is
 * always this process's and no relay; on PostgreSQL, the advisory-lock leadership and the live
 * event relay, each on its own dedicated connection, started here and connecting in the
 * background (neither holds the node's start up while the server is away).
 */
export function startClusterSignals(opts: ClusterSignalsOptions): ClusterSignals {
  const log = opts.log.child({ component: 'cluster' });
  if (opts.databaseUrl === undefined) {
    const leadership = new SoloLeadership(log);
    return { leadership, relay: undefined, stop: () => leadership.stop() };
  }
  const leadership = new PostgresLeadership(opts.databaseUrl, { log, name: opts.nodeId, retryMs: opts.leadershipRetryMs });
  const relay = new PostgresEventRelay(opts.databaseUrl, { nodeId: opts.nodeId, bus: opts.bus, log });
  leadership.start();
  relay.start();
  return {
    leadership,
    relay,
    async stop() {
      await Promise.all([relay.stop(), leadership.stop()]);
    },
  };
}
