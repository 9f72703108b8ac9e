import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { auditRequests } from '../../src/api/audit-requests.js';
import { allowUnaudited } from '../../src/auth/allow.js';
import { createLogger } from '../../src/log/logger.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import dimse from '../../src/dicom/net/dimse.js';
import type { AuditRecord } from '../../src/audit/audit-trail.js';
import { apiAs, type ApiClient } from '../helpers/api.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { startTestNode, testConfig, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

describe('api/audit-requests: the rows a request leaves', function () {
  this.timeout(30_000);
  let node: TestNode;
  let admin: ApiClient;
  let studyId: string;

  before(async () => {
    node = await startTestNode();
    const work = makeTempDir();
    for (const f of writeSeries(work, { slices: 1, seed: 'audit', patientName: 'AUDIT^PATIENT', patientId: 'AUD-12345' })) {
      await sendWithDimseClient(node.dicom.port, dimse.Dataset.fromFile(f)!.getElements());
    }
    removeDir(work);
    studyId = node.index.listIds('studies', 0, 1)[0]!;
    admin = await apiAs(node, 'admin');
  });
  after(() => node.dispose());

  /** The rows written since `seq`, read straight from the trail. */
  function rowsAfter(seq: number): AuditRecord[] {
    return node.audit.list({ since: seq, limit: 100 }).entries;
  }
  const lastSeq = (): number => node.audit.list({ since: 0, limit: 100_000 }).last;

  it('records a patient-data read: token, role, address, method, route pattern, ids, status', async () => {
    const before = lastSeq();
    const radiologist = await apiAs(node, 'radiologist');
    await radiologist.get(`/studies/${studyId}`).expect(200);
    const rows = rowsAfter(before);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.deep.include({
      tokenName: 'test-radiologist',
      role: 'radiologist',
      method: 'GET',
      route: '/studies/:id',
      params: { id: studyId },
      status: 200,
    });
    expect(rows[0]!.address).to.match(/127\.0\.0\.1/);
    expect(Date.parse(rows[0]!.at)).to.be.greaterThan(0);
    expect(JSON.stringify(rows)).to.not.match(/AUDIT|PATIENT|AUD-12345/);
  });

  it('records the outcome of reads that fail, denials and wrong tokens; not unaudited reads or missing tokens', async () => {
    const before = lastSeq();
    const it_ = await apiAs(node, 'it');
    await (await apiAs(node, 'radiologist')).get('/studies/00000000-00000000-00000000-00000000-00000000').expect(404);
    await it_.get(`/studies/${studyId}`).expect(403);
    await request(node.app).get('/studies').set('Authorization', 'Bearer not-a-token').expect(401);
    await it_.get('/system').expect(200);
    await request(node.app).get('/studies').expect(401);
    const rows = rowsAfter(before).map((r) => [r.tokenName, r.route, r.status]);
    expect(rows).to.deep.equal([
      ['test-radiologist', '/studies/:id', 404],
      ['test-it', '/studies/:id', 403],
      [null, '/studies', 401],
    ]);
  });

  it('GET /audit is for admins, pages, filters by resource, and nothing can change it', async () => {
    const radiologist = await apiAs(node, 'radiologist');
    await radiologist.get('/audit').expect(403);
    const all = await admin.get('/audit?limit=2').expect(200);
    expect(all.body.entries).to.have.length(2);
    expect(all.body.done).to.equal(false);
    const next = await admin.get(`/audit?since=${all.body.last}&limit=1000`).expect(200);
    expect(next.body.entries[0].seq).to.equal(all.body.last + 1);
    const about = await admin.get(`/audit?resource=${studyId}`).expect(200);
    expect(about.body.entries.length).to.be.greaterThan(0);
    expect(about.body.entries.every((e: AuditRecord) => e.params.id === studyId)).to.equal(true);
    await admin.get('/audit?resource=../../etc').expect(400);
    for (const method of ['delete', 'put', 'patch', 'post'] as const) await admin[method]('/audit').expect(404);
  });

  it('logs an error when a route answers without declaring its roles with allow()', async () => {
    const logs = new CaptureTransport();
    const app = express();
    app.use((req, _res, next) => {
      req.auth = { tokenName: 'someone', role: 'it' };
      next();
    });
    app.use(auditRequests(node.audit, createLogger(node.config.log, node.dataDir, { console: false, transports: [logs] })));
    app.get('/undeclared', (_req, res) => void res.json({}));
    app.get('/declared', allowUnaudited('it'), (_req, res) => void res.json({}));
    await request(app).get('/declared').expect(200);
    expect(logs.text()).to.not.include('without allow()');
    await request(app).get('/undeclared').expect(200);
    expect(logs.text()).to.match(/route answered without allow\(\).*\/undeclared/);
  });

  it('takes the client address from X-Forwarded-For only behind a configured proxy', async () => {
    const spoofed = async (target: TestNode): Promise<string | null> => {
      const before = target.audit.list({ since: 0, limit: 100_000 }).last;
      await (await apiAs(target, 'radiologist')).get(`/studies/${studyId}`).set('X-Forwarded-For', '10.9.8.7');
      return target.audit.list({ since: before, limit: 1 }).entries[0]!.address;
    };
    expect(await spoofed(node)).to.match(/127\.0\.0\.1/);
    const proxied = await startTestNode({ http: { trustProxy: ['loopback'] } });
    try {
      expect(await spoofed(proxied)).to.equal('10.9.8.7');
    } finally {
      await proxied.dispose();
    }
    expect(() => testConfig('/tmp/x', { http: { trustProxy: ['10.0.0.0/33'] } })).to.throw();
    expect(() => testConfig('/tmp/x', { http: { trustProxy: ['proxy.example'] } })).to.throw();
  });
});
