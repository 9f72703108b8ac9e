import { expect } from 'chai';
import type pg from 'pg';
import { startClusterSignals, type ClusterSignals } from '../../src/cluster/cluster-signals.js';
import { EventBus } from '../../src/events/bus.js';
import type { RemoteLiveChangeEvent } from '../../src/events/types.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { createLogger } from '../../src/log/logger.js';
import { eventually } from '../helpers/eventually.js';
import { usePostgresCluster } from '../helpers/postgres.js';

const log = createLogger({ level: 'error', format: 'json' } as never, '.', { console: false, transports: [new CaptureTransport()] });

describe('startClusterSignals: what node.ts starts', () => {
  it('without a database URL (SQLite): this process leads, and there is no relay', async () => {
    const signals = startClusterSignals({ nodeId: 'solo', bus: new EventBus(log), log });
    expect(signals.leadership.isLeader()).to.equal(true);
    expect(signals.relay).to.equal(undefined);
    await signals.stop();
    expect(signals.leadership.isLeader()).to.equal(false);
  });

  describe('with a PostgreSQL URL (a throw-away PostgreSQL 15 cluster)', () => {
    const cluster = usePostgresCluster();
    let url: string;
    const started: ClusterSignals[] = [];
    before(async function () {
      this.timeout(60_000);
      const config: pg.ClientConfig = await cluster().createDatabase();
      url = `postgresql://${config.user}@${config.host}:${config.port}/${String(config.database)}`;
    });
    afterEach(async () => Promise.all(started.splice(0).map((s) => s.stop())));

    it('two nodes from one connection string: one leads, and live changes cross', async () => {
      const busA = new EventBus(log);
      const busB = new EventBus(log);
      const heard: RemoteLiveChangeEvent[] = [];
      busB.on('remote-live-change', (e) => void heard.push(e));
      const a = startClusterSignals({ databaseUrl: url, nodeId: 'a', bus: busA, log, leadershipRetryMs: 100 });
      const b = startClusterSignals({ databaseUrl: url, nodeId: 'b', bus: busB, log, leadershipRetryMs: 100 });
      started.push(a, b);
      await eventually(() => a.relay?.connected && b.relay?.connected, 'both relays listen');
      await eventually(() => a.leadership.isLeader() !== b.leadership.isLeader(), 'one leader');
      busA.emit('live-change', { kind: 'study', studyId: 's1' });
      await eventually(() => heard.length === 1, 'b hears a');
      expect(heard[0]).to.deep.equal({ kind: 'study', studyId: 's1', fromNode: 'a' });
      const leader = a.leadership.isLeader() ? a : b;
      const other = leader === a ? b : a;
      await leader.stop();
      await eventually(() => other.leadership.isLeader(), 'the other takes over');
    });
  });
});
