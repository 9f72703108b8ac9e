import { expect } from 'chai';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { writeSeries } from '../../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../../helpers/dimse-client.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import dimse from '../../../src/dicom/net/dimse.js';

describe('api/routes/resources: browsing what was received', function () {
  this.timeout(30_000);
  let node: TestNode;
  let api: ApiClient;
  let work: string;

  before(async () => {
    node = await startTestNode();
    work = makeTempDir();
    for (const f of writeSeries(work, { slices: 3, seed: 'api' })) {
      await sendWithDimseClient(node.dicom.port, dimse.Dataset.fromFile(f)!.getElements());
    }
    api = await apiAs(node, 'radiologist');
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('walks patient → study → series → instances, Orthanc-shaped', async () => {
    const patients = await api.get('/patients').expect(200);
    expect(patients.body).to.have.length(1);
    const patient = await api.get(`/patients/${patients.body[0]}`).expect(200);
    expect(patient.body).to.include({ Type: 'Patient' });
    const study = await api.get(`/studies/${patient.body.Studies[0]}`).expect(200);
    expect(study.body.MainDicomTags).to.include({ StudyDescription: 'TEST STUDY' });
    const series = await api.get(`/studies/${study.body.ID}/series?expand`).expect(200);
    expect(series.body[0].MainDicomTags).to.include({ Modality: 'CT' });
    expect(series.body[0].Instances).to.have.length(3);
    const instance = await api.get(`/instances/${series.body[0].Instances[0]}`).expect(200);
    expect(instance.body).to.include({ Type: 'Instance', CallingAET: 'DIMSECLIENT', IndexInSeries: 1 });
  });

  it('serves an instance as Part 10 and its tags as DICOM JSON', async () => {
    const [id] = node.index.listIds('instances', 0, 1);
    const file = await api
      .get(`/instances/${id}/file`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(file.headers['content-type']).to.equal('application/dicom');
    expect((file.body as Buffer).toString('latin1', 128, 132)).to.equal('DICM');
    const tags = await api.get(`/instances/${id}/tags`).expect(200);
    expect(tags.body['00080060']).to.deep.equal({ vr: 'CS', Value: ['CT'] });
    expect(tags.body).to.not.have.property('7FE00010');
  });

  it('counts in /statistics', async () => {
    const stats = await api.get('/statistics').expect(200);
    expect(stats.body).to.include({ CountPatients: 1, CountStudies: 1, CountSeries: 1, CountInstances: 3 });
  });

  it('answers bad ids, unknown keys and unknown routes with problem+json, never a stack', async () => {
    for (const [url, status, code] of [
      ['/studies/not-an-id', 400, 'INVALID_ID'],
      ['/instances/..%2F..%2Fetc%2Fpasswd/file', 400, 'INVALID_ID'],
      ['/studies/00000000-00000000-00000000-00000000-00000000', 404, 'NOT_FOUND'],
      ['/studies?bogus=1', 400, 'UNKNOWN_QUERY_KEY'],
      ['/studies?limit=-3', 400, 'BAD_REQUEST'],
      ['/nowhere', 404, 'NOT_FOUND'],
    ] as const) {
      const res = await api.get(url).expect(status);
      expect(res.headers['content-type']).to.match(/application\/problem\+json/);
      expect(res.body).to.include({ status, code });
      expect(JSON.stringify(res.body)).to.not.match(/at .*\.ts:\d+/);
    }
  });
});
