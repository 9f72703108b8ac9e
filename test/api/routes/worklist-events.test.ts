import { expect } from 'chai';
import type { LiveChangeEvent } from '../../../src/events/types.js';
import { EventTickets } from '../../../src/worklist/event-tickets.js';
import { ManualClock } from '../../../src/core/clock.js';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { eventually } from '../../helpers/eventually.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { SseClient } from '../../helpers/sse-client.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';

describe('api/routes/worklist-events: live updates over Server-Sent Events, opened with a ticket', () => {
  let node: TestNode;
  let radiologist: ApiClient;
  const clients: SseClient[] = [];

  before(async () => {
    node = await startTestNode();
    radiologist = await apiAs(node, 'radiologist');
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(() => node?.dispose());

  async function stream(as: ApiClient = radiologist): Promise<SseClient> {
    const { body } = await as.post('/worklist/events/tickets').send({}).expect(201);
    expect(body.url).to.equal(`/worklist/events?ticket=${body.ticket}`);
    const client = new SseClient();
    clients.push(client);
    await client.open(node.http.port, body.url);
    return client;
  }

  it('streams ids only: a new finding names its study and says it became STAT; the stream carries no patient data', async () => {
    const client = await stream();
    expect(client.status).to.equal(200);
    expect(client.headers['content-type']).to.match(/^text\/event-stream/);
    expect(client.headers['cache-control']).to.equal('no-store');
    await client.next('hello');
    const study = seedStudy(node.index, 'live', { patientName: 'LIVE^LARA', accessionNumber: 'ACC-LIVE' });
    node.triage.findings.record(makeFinding(study), null, () => true);
    const event = await client.next('worklist');
    expect(JSON.parse(event.data)).to.deep.include({ kind: 'finding', studyId: study.studyId, stat: true });
    expect(event.id).to.match(/^\d+$/);
    const all = client.events.map((e) => e.data).join('\n');
    for (const secret of ['LARA', 'ACC-LIVE', 'PID-live']) expect(all).not.to.include(secret);
  });

  it("puts each change it streams on the bus as 'live-change' (what the cluster relays), ids only", async () => {
    const changes: LiveChangeEvent[] = [];
    const off = node.bus.on('live-change', (c) => void changes.push(c));
    try {
      const client = await stream();
      await client.next('hello');
      const study = seedStudy(node.index, 'relayed', { patientName: 'RELAY^RITA' });
      node.triage.findings.record(makeFinding(study), null, () => true);
      await client.next('worklist');
      expect(changes).to.deep.include({ kind: 'finding', studyId: study.studyId, stat: true });
      expect(JSON.stringify(changes)).not.to.include('RITA');
    } finally {
      off();
    }
  });

  it("streams another node's change like its own, and never puts it back on the bus (no echo)", async () => {
    const changes: LiveChangeEvent[] = [];
    const off = node.bus.on('live-change', (c) => void changes.push(c));
    try {
      const client = await stream();
      await client.next('hello');
      node.bus.emit('remote-live-change', { kind: 'reading', studyId: 'study-elsewhere', fromNode: 'node-b' });
      const event = await client.next('worklist');
      expect(JSON.parse(event.data)).to.deep.include({ kind: 'reading', studyId: 'study-elsewhere' });
      expect(changes).to.deep.equal([]);
    } finally {
      off();
    }
  });

  it("tells open streams to reload when the cluster's relay may have lost changes", async () => {
    const client = await stream();
    await client.next('hello');
    node.bus.emit('live-resync', { reason: 'reconnected' });
    const event = await client.next('resync');
    expect(JSON.parse(event.data)).to.deep.equal({});
  });

  it('a ticket opens one stream once; a bearer token or no ticket gets 401', async () => {
    const { body } = await radiologist.post('/worklist/events/tickets').send({}).expect(201);
    const first = new SseClient();
    clients.push(first);
    await first.open(node.http.port, body.url);
    expect(first.status).to.equal(200);
    const again = new SseClient();
    clients.push(again);
    await again.open(node.http.port, body.url);
    expect(again.status).to.equal(401);
    await radiologist.get('/worklist/events').expect(401);
    await radiologist.get('/worklist/events?ticket=made-up').expect(401);
  });

  it('gives tickets to the roles that may read the worklist: IT gets none', async () => {
    await (await apiAs(node, 'it')).post('/worklist/events/tickets').send({}).expect(403);
    const client = await stream(await apiAs(node, 'service'));
    expect(client.status).to.equal(200);
  });

  it("writes the stream to the audit trail under the ticket holder's name", async () => {
    const client = await stream();
    await client.next('hello');
    client.close();
    // The audit row is written when the response closes.
    await eventually(
      () =>
        node.audit
          .list({ since: 0, limit: 1000 })
          .entries.some((a) => a.route === '/worklist/events' && a.tokenName === 'test-radiologist' && a.status === 200),
      'the audit row of the closed stream',
    );
  });

  it('says bye to open streams when the worklist stops, so the HTTP server need not wait', async () => {
    const client = await stream();
    await client.next('hello');
    node.worklist.live.endAll();
    const bye = await client.next('bye');
    expect(JSON.parse(bye.data)).to.deep.equal({ reason: 'stopping' });
  });

  it('tickets expire within their time to live, and are kept only as digests', () => {
    const clock = new ManualClock();
    const tickets = new EventTickets(30_000, () => clock.now());
    const { ticket } = tickets.issue({ tokenName: 'a', role: 'radiologist' });
    const late = tickets.issue({ tokenName: 'b', role: 'radiologist' }).ticket;
    expect(JSON.stringify([...(tickets as unknown as { waiting: Map<string, unknown> }).waiting.keys()])).not.to.include(ticket);
    expect(tickets.redeem(ticket)).to.deep.equal({ tokenName: 'a', role: 'radiologist' });
    clock.advance(30_001);
    expect(tickets.redeem(late)).to.equal(undefined);
    expect(tickets.outstanding).to.equal(0);
  });
});
