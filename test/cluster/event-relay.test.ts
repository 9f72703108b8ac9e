import { expect } from 'chai';
import pg from 'pg';
import { isVigilError } from '../../src/core/errors.js';
import { EventBus } from '../../src/events/bus.js';
import type { LiveChangeEvent, LiveResyncEvent, RemoteLiveChangeEvent } from '../../src/events/types.js';
import { createLogger } from '../../src/log/logger.js';
import { PostgresEventRelay } from '../../src/cluster/event-relay.js';
import { RELAY_CHANNEL } from '../../src/cluster/relay-wire.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { eventually } from '../helpers/eventually.js';
import { usePostgresCluster } from '../helpers/postgres.js';

/** A made-up patient name: it must never reach the wire or the log. */
const PATIENT = 'DOE^JANE';

/** One node's side: its bus, its relay, what its bus heard and what it logged. */
interface Node {
  bus: EventBus;
  relay: PostgresEventRelay;
  remote: RemoteLiveChangeEvent[];
  resyncs: LiveResyncEvent[];
  logs: CaptureTransport;
}

describe('live event relay across nodes (a throw-away PostgreSQL 15 cluster)', () => {
  const cluster = usePostgresCluster();
  let database: pg.ClientConfig;
  let admin: pg.Client;
  /** A plain LISTEN on the relay's channel: what actually crossed the wire. */
  let wire: string[];
  const nodes: Node[] = [];

  before(async function () {
    this.timeout(60_000);
    database = await cluster().createDatabase();
    admin = new pg.Client(database);
    // The cluster's own `after` stops the server before ours ends this client.
    admin.on('error', () => undefined);
    admin.on('notification', (msg) => {
      if (msg.channel === RELAY_CHANNEL) wire.push(msg.payload ?? '');
    });
    await admin.connect();
    await admin.query(`LISTEN ${RELAY_CHANNEL}`);
  });
  after(async () => admin?.end());
  beforeEach(() => (wire = []));
  afterEach(async () => Promise.all(nodes.splice(0).map((n) => n.relay.stop())));

  async function node(nodeId: string): Promise<Node> {
    const logs = new CaptureTransport();
    const log = createLogger({ level: 'debug', format: 'json' } as never, '.', { console: false, transports: [logs] });
    const bus = new EventBus(log);
    const relay = new PostgresEventRelay(database, { nodeId, bus, log, reconnect: { initialMs: 50, factor: 2, maxMs: 200 } });
    const n: Node = { bus, relay, remote: [], resyncs: [], logs };
    bus.on('remote-live-change', (e) => void n.remote.push(e));
    bus.on('live-resync', (e) => void n.resyncs.push(e));
    nodes.push(n);
    relay.start();
    await eventually(() => relay.connected, `${nodeId} listens`);
    return n;
  }

  const terminate = (nodeId: string) =>
    admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`vigil relay ${nodeId}`]);

  it("a change on A's bus arrives on B's once, as remote, and never comes back to A", async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    a.bus.emit('live-change', { kind: 'finding', studyId: 'study-1', stat: true });
    await eventually(() => b.remote.length === 1, 'B hears the change');
    expect(b.remote).to.deep.equal([{ kind: 'finding', studyId: 'study-1', stat: true, fromNode: 'node-a' }]);
    // B answers with a change of its own: once A hears it, A's own earlier message (sent before
    // B's, on a channel PostgreSQL delivers in commit order) would have come back already.
    b.bus.emit('live-change', { kind: 'reading', studyId: 'study-1' });
    await eventually(() => a.remote.length === 1, 'A hears B');
    expect(a.remote).to.deep.equal([{ kind: 'reading', studyId: 'study-1', fromNode: 'node-b' }]);
    // Nothing was sent twice: B's remote event was not relayed on, and each node sent one message.
    await eventually(() => wire.length === 2, 'both messages on the wire');
    expect(b.remote).to.have.length(1);
    expect(wire.map((p) => (JSON.parse(p) as { node: string }).node)).to.deep.equal(['node-a', 'node-b']);
  });

  it('sends kinds and ids only, whatever else the local event holds', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    const carrying = { kind: 'study', studyId: 'study-2', patientName: PATIENT } as LiveChangeEvent;
    a.bus.emit('live-change', carrying);
    await eventually(() => b.remote.length === 1, 'B hears the change');
    expect(b.remote[0]).to.deep.equal({ kind: 'study', studyId: 'study-2', fromNode: 'node-a' });
    expect(wire.join('\n')).not.to.include(PATIENT);
  });

  it('refuses a change too large for a notification with a coded error, and logs no patient data', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    const huge: LiveChangeEvent = { kind: 'study', studyId: `${PATIENT}-${'x'.repeat(8000)}` };
    let refused: unknown;
    try {
      await a.relay.publish(huge);
    } catch (err) {
      refused = err;
    }
    expect(isVigilError(refused, 'CLUSTER_EVENT_TOO_LARGE'), String(refused)).to.equal(true);
    // From the bus: refused and logged, and the next change still goes through.
    a.bus.emit('live-change', huge);
    a.bus.emit('live-change', { kind: 'alert', studyId: 'study-3' });
    await eventually(() => b.remote.length === 1, 'the next change arrives');
    expect(b.remote[0]).to.include({ kind: 'alert', studyId: 'study-3' });
    expect(wire).to.have.length(1);
    const log = a.logs.text();
    expect(log).to.include('CLUSTER_EVENT_TOO_LARGE');
    expect(log).not.to.include(PATIENT);
    expect(log).not.to.include('xxxxxxxx');
  });

  it('drops (and logs) what it cannot read on the channel, without quoting it', async () => {
    const a = await node('node-a');
    await admin.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, `{"v":1,"node":"other","type":"live-change","kind":"gossip","studyId":"${PATIENT}"}`]);
    await admin.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, `not json ${PATIENT}`]);
    await eventually(() => a.logs.lines.filter((l) => l.includes('CLUSTER_EVENT_MALFORMED')).length === 2, 'both dropped');
    expect(a.remote).to.deep.equal([]);
    expect(a.logs.text()).not.to.include(PATIENT);
  });

  it("B's listener is terminated: B listens again, emits resync, and hears A again", async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    await terminate('node-b');
    await eventually(() => b.resyncs.length === 1, 'B resyncs');
    expect(b.resyncs).to.deep.equal([{ reason: 'reconnected' }]);
    expect(b.relay.connected).to.equal(true);
    a.bus.emit('live-change', { kind: 'hint', studyId: 'study-4' });
    await eventually(() => b.remote.length === 1, 'B hears A after the reconnect');
    // A lost nothing: its views have no reason to reload.
    expect(a.resyncs).to.deep.equal([]);
  });

  it('a change A could not send while its connection was down makes the other nodes reload', async () => {
    const a = await node('node-a');
    const b = await node('node-b');
    await terminate('node-a');
    await eventually(() => !a.relay.connected, 'A sees its connection gone');
    a.bus.emit('live-change', { kind: 'order', studyId: null });
    await eventually(() => b.resyncs.length === 1, 'B is told to reload');
    expect(b.resyncs).to.deep.equal([{ reason: 'peer-reconnected' }]);
    expect(a.resyncs).to.deep.equal([{ reason: 'reconnected' }]);
    // The change itself is lost, not replayed: the reload is what brings it.
    expect(b.remote).to.deep.equal([]);
  });
});
