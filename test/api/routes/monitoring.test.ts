import { expect } from 'chai';
import dimse from '../../../src/dicom/net/dimse.js';
import { DimseStatus } from '../../../src/dicom/net/store-status.js';
import { TransferSyntax } from '../../../src/dicom/data/uids.js';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { echoscu, storescu, storeResponses } from '../../helpers/dcmtk.js';
import { writeSeries } from '../../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../../helpers/dimse-client.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('api/routes/monitoring: /ready and /metrics', function () {
  this.timeout(30_000);
  let node: TestNode;
  let service: ApiClient;
  let work: string;

  beforeEach(async () => {
    node = await startTestNode();
    service = await apiAs(node, 'service');
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('is ready when the index, the store and the DICOM listener are up, and says which is not', async () => {
    const ok = await service.get('/ready').expect(200);
    expect(ok.body).to.deep.equal({ ready: true, checks: { index: { ok: true }, store: { ok: true }, dicom: { ok: true } } });
    await node.dicom.stop();
    const down = await service.get('/ready').expect(503);
    expect(down.type).to.equal('application/problem+json');
    expect(down.body).to.include({ code: 'NOT_READY', detail: 'not ready: dicom' });
    expect(down.body.checks.dicom.ok).to.equal(false);
  });

  it('counts associations, instances, bytes, store latency and refusals from real peers', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const files = writeSeries(work, { slices: 2, seed: 'metrics' });
    expect(storeResponses(await storescu(node.dicom.port, files))).to.deep.equal({ success: 2, failed: 0 });
    await echoscu(node.dicom.port, { calledAe: 'NOT_VIGIL' });

    const res = await service.get('/metrics').expect(200);
    expect(res.type).to.match(/^text\/plain/);
    const text = res.text;
    expect(sample(text, 'vigil_dicom_associations_accepted_total')).to.equal(1);
    expect(sample(text, 'vigil_dicom_associations_rejected_total', '{reason="called-ae-not-recognized"}')).to.equal(1);
    expect(sample(text, 'vigil_dicom_instances_received_total', '{outcome="stored"}')).to.equal(2);
    expect(sample(text, 'vigil_dicom_received_bytes_total')).to.be.greaterThan(2 * 64 * 64 * 2);
    expect(sample(text, 'vigil_dicom_store_duration_seconds_count', '{outcome="stored"}')).to.equal(2);
    expect(sample(text, 'vigil_dicom_associations_active')).to.equal(0);
    expect(text).to.match(/^process_cpu_user_seconds_total /m);
  });

  it('counts refused instances by reason', async () => {
    // Explicit VR only, so the dcmjs-dimse client sends our bytes untouched (see scp-bad-input).
    const strict = await startTestNode({ dicom: { transferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian] } });
    try {
      const [file] = writeSeries(work, { slices: 1, seed: 'refused' });
      const { SOPClassUID, SOPInstanceUID } = dimse.Dataset.fromFile(file!)!.getElements() as Record<string, string>;
      const sent = await sendWithDimseClient(strict.dicom.port, { SOPClassUID, SOPInstanceUID }, { rawBytes: Buffer.alloc(4096, 0xab) });
      expect(sent.status).to.equal(DimseStatus.CannotUnderstand);
      const text = (await (await apiAs(strict, 'service')).get('/metrics').expect(200)).text;
      expect(sample(text, 'vigil_dicom_instances_received_total', '{outcome="refused"}')).to.equal(1);
      expect(sample(text, 'vigil_dicom_instances_refused_total', '{reason="unparsable"}')).to.equal(1);
      expect(sample(text, 'vigil_dicom_store_duration_seconds_count', '{outcome="refused"}')).to.equal(1);
    } finally {
      await strict.dispose();
    }
  });

  it('counts HTTP requests by route pattern and status, never by raw path', async () => {
    const radiologist = await apiAs(node, 'radiologist');
    await radiologist.get('/studies/00000000-00000000-00000000-00000000-00000000').expect(404);
    await radiologist.get('/nowhere').expect(404);
    const text = (await service.get('/metrics').expect(200)).text;
    expect(sample(text, 'vigil_http_requests_total', '{method="GET",route="/studies/:id",status="404"}')).to.equal(1);
    expect(sample(text, 'vigil_http_requests_total', '{method="GET",route="(none)",status="404"}')).to.equal(1);
    expect(text).to.not.include('00000000-00000000');
    expect(text).to.match(/^vigil_http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/studies\/:id"\} \d+$/m);
  });
});
