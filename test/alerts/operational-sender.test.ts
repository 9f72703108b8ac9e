import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { operationalMigrations } from '../../src/alerts/operational/migrations.js';
import { OperationalOutbox } from '../../src/alerts/operational/operational-outbox.js';
import { OperationalSender } from '../../src/alerts/operational/operational-sender.js';
import { configSchema } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { silentLogger } from '../../src/log/logger.js';
import { queueMigrations } from '../../src/queue/migrations.js';
import { IndexJobQueue } from '../../src/queue/index-queue.js';
import { ChangeFeed } from '../../src/store/changes.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { eventually } from '../helpers/eventually.js';

describe('alerts/operational: notices in the durable job queue', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("retries a refused notice under the same key, and the destination's next one waits behind it", async () => {
    // The IT webhook is busy (503) for its first request, then takes everything.
    const received: { key: string | undefined; status: number }[] = [];
    server = http.createServer((req, res) => {
      req.resume().on('end', () => {
        const status = received.length === 0 ? 503 : 200;
        received.push({ key: req.headers['idempotency-key'] as string | undefined, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops`;

    const db = openDatabase(':memory:');
    migrate(db, [storeMigrations, queueMigrations, operationalMigrations]);
    const destinations = configSchema.parse({ alerts: { destinations: [{ id: 'it-ops', type: 'webhook', use: 'operational', url, secret: 'o'.repeat(32) }] } })
      .alerts.destinations;
    const outbox = new OperationalOutbox(db, { changes: new ChangeFeed(db), destinations: () => destinations });
    const first = outbox.enqueue({ kind: 'model-drift', modelId: 'stroke', day: '2026-12-01', summary: 'drift', data: {} })!;
    const second = outbox.enqueue({ kind: 'model-drift', modelId: 'stroke', day: '2026-12-02', summary: 'drift', data: {} })!;
    const [a] = outbox.deliveriesOf(first.id);
    const [b] = outbox.deliveriesOf(second.id);
    const sender = new OperationalSender(outbox, {
      destinations: () => destinations,
      backoff: { initialMs: 20, maxMs: 20, factor: 2 },
      clock: systemClock,
      log: silentLogger(),
      random: () => 1,
    });
    sender.start();
    try {
      await eventually(() => received.length === 3, 'the refused notice again, then the next');
    } finally {
      await sender.stop();
    }
    expect(received).to.deep.equal([
      { key: a!.idempotencyKey, status: 503 },
      { key: a!.idempotencyKey, status: 200 },
      { key: b!.idempotencyKey, status: 200 },
    ]);
    expect([...outbox.deliveriesOf(first.id), ...outbox.deliveriesOf(second.id)].map((d) => [d.state, d.attempts])).to.deep.equal([
      ['delivered', 2],
      ['delivered', 1],
    ]);
    // The jobs are the queue's: what /metrics shows of queue 'operational'.
    expect(new IndexJobQueue(db).counts('operational')).to.include({ done: 2, queued: 0, running: 0 });
  });

  it('goes on after the index refuses a write, and sends a notice posted but not recorded again under its key', async () => {
    const received: (string | undefined)[] = [];
    server = http.createServer((req, res) => {
      req.resume().on('end', () => {
        received.push(req.headers['idempotency-key'] as string | undefined);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops`;

    const db = openDatabase(':memory:');
    migrate(db, [storeMigrations, queueMigrations, operationalMigrations]);
    const destinations = configSchema.parse({ alerts: { destinations: [{ id: 'it-ops', type: 'webhook', use: 'operational', url, secret: 'o'.repeat(32) }] } })
      .alerts.destinations;
    const outbox = new OperationalOutbox(db, { changes: new ChangeFeed(db), destinations: () => destinations });
    // The disk fills up: the first claim and the first record of a delivery are refused.
    const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const take = outbox.take.bind(outbox);
    let takes = 0;
    outbox.take = (...args) => {
      if (takes++ === 0) throw full();
      return take(...args);
    };
    const markDelivered = outbox.markDelivered.bind(outbox);
    let records = 0;
    outbox.markDelivered = (...args) => {
      if (records++ === 0) throw full();
      return markDelivered(...args);
    };
    const markFailed = outbox.markFailed.bind(outbox);
    let failedRecords = 0;
    outbox.markFailed = (...args) => {
      if (failedRecords++ === 0) throw full();
      return markFailed(...args);
    };
    const first = outbox.enqueue({ kind: 'model-drift', modelId: 'stroke', day: '2026-12-01', summary: 'drift', data: {} })!;
    const [a] = outbox.deliveriesOf(first.id);
    const sender = new OperationalSender(outbox, {
      destinations: () => destinations,
      backoff: { initialMs: 20, maxMs: 20, factor: 2 },
      clock: systemClock,
      log: silentLogger(),
      random: () => 1,
    });
    sender.start();
    try {
      await eventually(() => outbox.deliveriesOf(first.id)[0]!.state === 'delivered', 'the notice delivered after the index came back', 15_000);
      // The loop is alive: a notice raised afterwards goes out too.
      const second = outbox.enqueue({ kind: 'model-drift', modelId: 'stroke', day: '2026-12-02', summary: 'drift', data: {} })!;
      await eventually(() => outbox.deliveriesOf(second.id)[0]!.state === 'delivered', 'a later notice delivered', 15_000);
    } finally {
      await sender.stop();
    }
    // Posted once before its record was refused, then again: the same key both times.
    expect(received.slice(0, 2)).to.deep.equal([a!.idempotencyKey, a!.idempotencyKey]);
    expect(received).to.have.length(3);
  });
});
