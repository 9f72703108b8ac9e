import { expect } from 'chai';
import type { Response } from 'superagent';
import dimse from '../../src/dicom/net/dimse.js';
import type { AuditRecord } from '../../src/audit/audit-trail.js';
import { apiAs, type ApiClient } from '../helpers/api.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { makeFinding } from '../helpers/findings.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** The raw bytes of a response, whatever its type (superagent parses only what it knows). */
function rawBody(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/** A real PNG signature and header: the route sends the stored bytes as they are. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** Issue 20, item 4: a read of patient data whose audit row cannot be written is refused. */
describe('api/audit: patient data is never served unaudited', function () {
  this.timeout(60_000);
  let node: TestNode;
  let radiologist: ApiClient;
  let admin: ApiClient;
  let studyId: string;
  let instanceId: string;
  let findingId: string;

  before(async () => {
    node = await startTestNode();
    const work = makeTempDir();
    for (const f of writeSeries(work, { slices: 1, seed: 'audit-down', patientName: 'UNAUDITED^PATIENT', patientId: 'AUD-DOWN-1' })) {
      await sendWithDimseClient(node.dicom.port, dimse.Dataset.fromFile(f)!.getElements());
    }
    removeDir(work);
    studyId = node.index.listIds('studies', 0, 1)[0]!;
    instanceId = node.index.listIds('instances', 0, 1)[0]!;
    const seriesId = node.index.listIds('series', 0, 1)[0]!;
    const finding = makeFinding(
      { studyId, seriesId, studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', accessionNumber: 'ACC-DOWN' },
      { keyInstanceId: instanceId, hasKeyImage: true },
    );
    findingId = finding.id;
    expect(node.triage.findings.record(finding, PNG, () => true)).to.equal(true);
    radiologist = await apiAs(node, 'radiologist');
    admin = await apiAs(node, 'admin');
  });
  after(() => node.dispose());

  /** Makes every audit insert fail, as a full disk or a locked database would, for the duration of `body`. */
  async function withAuditDown(body: () => Promise<void>): Promise<void> {
    node.db.exec(`CREATE TRIGGER test_audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit trail down (test)'); END`);
    try {
      await body();
    } finally {
      node.db.exec('DROP TRIGGER test_audit_down');
    }
  }

  /** A HEAD answer has no body to carry the code. */
  const refused = (res: { status: number; type: string; body: { code?: string }; headers: Record<string, string | undefined> }, head = false) => {
    expect(res.status).to.equal(503);
    expect(res.type).to.equal('application/problem+json');
    if (!head) expect(res.body.code).to.equal('AUDIT_UNAVAILABLE');
    expect(res.headers['content-disposition']).to.equal(undefined);
  };

  it('refuses the file, the tags, a study, findings and key images with a 503 problem, serving none of it', async () => {
    await withAuditDown(async () => {
      const file = await radiologist.get(`/instances/${instanceId}/file`).buffer(true).parse(rawBody);
      refused({ ...file, body: JSON.parse((file.body as Buffer).toString('utf8')) });
      expect((file.body as Buffer).toString('latin1')).to.not.match(/DICM|UNAUDITED/);
      refused(await radiologist.head(`/instances/${instanceId}/file`), true);
      for (const url of [
        `/instances/${instanceId}/tags`,
        `/studies/${studyId}`,
        '/studies?expand',
        `/studies/${studyId}/series?expand`,
        '/findings',
        `/findings/${findingId}`,
      ]) {
        const res = await radiologist.get(url);
        refused(res);
        expect(res.text, url).to.not.match(/UNAUDITED|AUD-DOWN|ACC-DOWN/);
      }
      const key = await radiologist.get(`/findings/${findingId}/key-image`);
      refused(key);
      expect(key.headers['content-type']).to.not.include('image/png');
      // A read without patient data does not need the trail.
      await (await apiAs(node, 'it')).get('/system').expect(200);
    });
    expect(node.logs.text()).to.include('audit record failed');
    expect(node.logs.text()).to.not.match(/UNAUDITED|AUD-DOWN|ACC-DOWN/);
    // The trail back, the same read is served and recorded.
    const before = node.audit.list({ since: 0, limit: 100_000 }).last;
    const file = await radiologist.get(`/instances/${instanceId}/file`).buffer(true).parse(rawBody).expect(200);
    expect(file.headers['content-type']).to.equal('application/dicom');
    expect((file.body as Buffer).subarray(128, 132).toString('latin1')).to.equal('DICM');
    const rows = node.audit.list({ since: before, limit: 10 }).entries;
    expect(rows.map((r) => [r.route, r.status])).to.deep.equal([['/instances/:id/file', 200]]);
  });

  it('names the studies that findings and key-image reads returned, and /audit?resource= takes a finding id', async () => {
    const before = node.audit.list({ since: 0, limit: 100_000 }).last;
    await radiologist.get('/findings').expect(200);
    await radiologist.get(`/findings/${findingId}`).expect(200);
    await radiologist.get(`/findings/${findingId}/key-image`).expect(200).expect('Content-Type', 'image/png');
    const rows = node.audit.list({ since: before, limit: 10 }).entries;
    expect(rows.map((r) => [r.route, r.resources])).to.deep.equal([
      ['/findings', [studyId]],
      ['/findings/:id', [studyId]],
      ['/findings/:id/key-image', [studyId]],
    ]);
    const byFinding = await admin.get(`/audit?resource=${findingId}&since=${before}`).expect(200);
    expect(byFinding.body.entries.map((e: AuditRecord) => e.route)).to.deep.equal(['/findings/:id', '/findings/:id/key-image']);
    const byStudy = await admin.get(`/audit?resource=${studyId}&since=${before}`).expect(200);
    expect(byStudy.body.entries.map((e: AuditRecord) => e.route)).to.deep.equal(['/findings', '/findings/:id', '/findings/:id/key-image']);
    await admin.get('/audit?resource=not-an-id').expect(400);
  });
});
