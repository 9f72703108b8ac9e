import { expect } from 'chai';
import { PostgresEventRelay } from '../../src/cluster/event-relay.js';
import { PostgresLeadership } from '../../src/cluster/postgres-leadership.js';
import { EventBus } from '../../src/events/bus.js';
import type { LiveResyncEvent, RemoteLiveChangeEvent } from '../../src/events/types.js';
import { createLogger } from '../../src/log/logger.js';
import { eventually } from '../helpers/eventually.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { freePort } from '../helpers/storescp.js';

/**
 * The database is not there (not started yet, or gone): both signals keep trying in the
 * background with back-off, say so in the log once (no password, no patient data), never lead
 * or relay, never throw into the node, and stop promptly.
 */
describe('cluster signals without a reachable database', () => {
  let url: string;
  before(async () => {
    // A loopback port nothing listens on: every connection is refused at once.
    url = `postgresql://vigil:s3cret-pw@127.0.0.1:${await freePort()}/vigil`;
  });

  function logger() {
    const logs = new CaptureTransport();
    return { logs, log: createLogger({ level: 'debug', format: 'json' } as never, '.', { console: false, transports: [logs] }) };
  }

  it('leadership: never leads, logs the failure without the password, stops at once', async () => {
    const { logs, log } = logger();
    const leadership = new PostgresLeadership(url, { log, name: 'a', retryMs: 50, checkMs: 50 });
    leadership.start();
    await eventually(() => logs.lines.some((l) => l.includes('cannot be reached')), 'the failure is logged');
    expect(leadership.isLeader()).to.equal(false);
    await leadership.stop();
    expect(logs.text()).not.to.include('s3cret-pw');
  });

  it('relay: not connected, a local change is dropped quietly, no remote event or resync, stops at once', async () => {
    const { logs, log } = logger();
    const bus = new EventBus(log);
    const heard: (RemoteLiveChangeEvent | LiveResyncEvent)[] = [];
    bus.on('remote-live-change', (e) => void heard.push(e));
    bus.on('live-resync', (e) => void heard.push(e));
    const relay = new PostgresEventRelay(url, { nodeId: 'a', bus, log, reconnect: { initialMs: 50, factor: 2, maxMs: 100 } });
    relay.start();
    await eventually(() => logs.lines.some((l) => l.includes('lost its connection')), 'the failure is logged');
    expect(relay.connected).to.equal(false);
    bus.emit('live-change', { kind: 'study', studyId: 's1' });
    expect(await relay.publish({ kind: 'study', studyId: 's2' })).to.equal(false);
    await relay.stop();
    expect(heard).to.deep.equal([]);
    expect(logs.text()).not.to.include('s3cret-pw');
  });
});
