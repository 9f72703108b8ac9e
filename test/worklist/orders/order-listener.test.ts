import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { answersControlId, readAck } from '../../../src/hl7/ack.js';
import { MllpClient } from '../../../src/hl7/mllp/client.js';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { storescu } from '../../helpers/dcmtk.js';
import { writeSeries } from '../../helpers/dicom-fixtures.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { orderMessage } from './order-fixtures.js';

describe('worklist/orders/order-listener: orders in over MLLP, studies in over DICOM', function () {
  let node: TestNode;
  let dir: string;
  let ris: MllpClient;
  let radiologist: ApiClient;

  before(async () => {
    dir = makeTempDir();
    node = await startTestNode({ worklist: { orders: { enabled: true, port: 0 } } });
    ris = new MllpClient({ host: '127.0.0.1', port: node.worklist.listener!.port, connectTimeoutMs: 2000, responseTimeoutMs: 5000 });
    radiologist = await apiAs(node, 'radiologist');
  });
  after(async () => {
    await ris?.close();
    await node?.dispose();
    if (dir) removeDir(dir);
  });

  const send = async (text: string, controlId: string) => readAck(await ris.send(text, { isReply: answersControlId(controlId) }));
  const entryWith = async (accession: string) => {
    const res = await radiologist.get(`/worklist?accession=${accession}`).expect(200);
    return res.body.entries[0];
  };

  it("an order first (STAT), then the study over storescu: the worklist shows the study at the order's priority", async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const ack = await send(orderMessage({ accession: 'ACC-ORD-1', priority: 'S', controlId: 'C1' }), 'C1');
    expect(ack).to.include({ code: 'AA', ackedControlId: 'C1', messageType: 'ACK^O01' });
    expect(await entryWith('ACC-ORD-1'), 'no study yet').to.equal(undefined);

    const files = writeSeries(path.join(dir, 'one'), { seed: 'order-first', accessionNumber: 'ACC-ORD-1', patientName: "O'BRIEN^MARY", slices: 2 });
    expect((await storescu(node.dicom.port, files)).code).to.equal(0);
    const entry = await entryWith('ACC-ORD-1');
    expect(entry.priority).to.include({ effective: 'stat', base: 'stat', baseSource: 'order', raisedByAi: false });
    expect(entry.order).to.deep.include({ hl7Priority: 'S', control: 'NW', state: 'active', procedure: { code: 'CTHEAD', text: 'CT head without contrast' } });
    expect(entry.why).to.equal('Order: stat (HL7 priority S)');
  });

  it('the study first, then an OMI^O23 (ASAP): the study rises to urgent', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const files = writeSeries(path.join(dir, 'two'), { seed: 'study-first', accessionNumber: 'ACC-ORD-2', slices: 2 });
    expect((await storescu(node.dicom.port, files)).code).to.equal(0);
    expect((await entryWith('ACC-ORD-2')).priority.effective).to.equal('routine');
    const ack = await send(orderMessage({ type: 'OMI^O23', accession: 'ACC-ORD-2', priority: 'A', controlId: 'C2' }), 'C2');
    expect(ack).to.include({ code: 'AA', messageType: 'ACK^O23' });
    expect((await entryWith('ACC-ORD-2')).priority).to.include({ effective: 'urgent', baseSource: 'order' });
    // A cancellation takes the order's priority away; the study stays on the list.
    expect(await send(orderMessage({ accession: 'ACC-ORD-2', control: 'CA', priority: 'A', controlId: 'C3' }), 'C3')).to.include({ code: 'AA' });
    const cancelled = await entryWith('ACC-ORD-2');
    expect(cancelled.order.state).to.equal('cancelled');
    expect(cancelled.priority.effective).to.equal('routine');
  });

  it('answers a bad message with AR, ERR-3 from table 0357 and the reason; records nothing', async () => {
    const ack = await send(orderMessage({ accession: 'ACC-BAD', priority: 'Q', controlId: 'C4' }), 'C4');
    expect(ack).to.include({ code: 'AR', ackedControlId: 'C4', errorCode: '103' });
    expect(ack.text).to.match(/table 0027/);
    const adt = orderMessage({ accession: 'ACC-BAD', controlId: 'C5' }).replace('ORM^O01^ORM_O01', 'ADT^A08^ADT_A01');
    expect(await send(adt, 'C5')).to.include({ code: 'AR', errorCode: '200' });
    expect(node.db.prepare("SELECT COUNT(*) AS n FROM worklist_orders WHERE accession = 'ACC-BAD'").get()).to.deep.equal({ n: 0 });
  });

  it("takes an order from python3-hl7's mllp_send, a peer that is not our code", async function () {
    requireTool(this, 'mllp_send', 'python3-hl7');
    const file = path.join(dir, 'order.hl7');
    // --loose: one message per file, segments on lines, as a person would keep it.
    fs.writeFileSync(file, orderMessage({ accession: 'ACC-ORD-3', priority: 'P', controlId: 'PY1' }).replace(/\r/g, '\r\n'));
    // Asynchronously: the listener answering it runs in this process.
    const { stdout: out } = await promisify(execFile)('mllp_send', ['--loose', '--port', String(node.worklist.listener!.port), '--file', file, '127.0.0.1'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(out).to.match(/MSA\|AA\|PY1/);
    expect(node.db.prepare("SELECT priority, hl7_priority FROM worklist_orders WHERE accession = 'ACC-ORD-3'").get()).to.deep.equal({
      priority: 'urgent',
      hl7_priority: 'P',
    });
  });

  it('counts messages in /metrics and logs neither names nor accession numbers', async () => {
    const service = await apiAs(node, 'service');
    const metrics = (await service.get('/metrics').expect(200)).text;
    expect(metrics).to.match(/vigil_worklist_orders_total\{result="accepted"\} [1-9]/);
    expect(metrics).to.match(/vigil_worklist_orders_total\{result="rejected"\} [1-9]/);
    const logs = node.logs.text();
    expect(logs).to.include('HL7 order recorded');
    for (const secret of ['BRIEN', 'ACC-ORD-1', 'ACC-ORD-2', 'PID-123']) expect(logs, secret).not.to.include(secret);
  });
});
