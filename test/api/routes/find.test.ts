import fs from 'node:fs';
import { expect } from 'chai';
import { apiAs, type ApiClient } from '../../helpers/api.js';
import { storescu, storeResponses } from '../../helpers/dcmtk.js';
import { writeSeries, type SeriesOptions } from '../../helpers/dicom-fixtures.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';

/** Three patients; the third has LIKE metacharacters in its values. */
const STUDIES: SeriesOptions[] = [
  { seed: 'find-a', patientName: 'DOE^JANE', patientId: 'PID-A', accessionNumber: 'ACC-100', studyDate: '20240105', slices: 2 },
  { seed: 'find-b', patientName: 'DOE^JOHN', patientId: 'PID-B', accessionNumber: 'ACC-200', studyDate: '20240310', slices: 2, modality: 'MR' },
  { seed: 'find-c', patientName: 'SMITH^ANNA_%', patientId: 'PID-C', accessionNumber: 'ACC-3%0', studyDate: '20250101', slices: 1 },
];
const IDENTIFIERS = ['DOE', 'JANE', 'JOHN', 'SMITH', 'ANNA', 'PID-A', 'PID-B', 'PID-C', 'ACC-100', 'ACC-200', 'ACC-3%0'];

/** Pushes the studies with DCMTK storescu; returns the node's study id for each, in order. */
async function pushStudies(node: TestNode, work: string): Promise<string[]> {
  for (const opts of STUDIES) {
    const files = writeSeries(`${work}/${opts.seed}`, opts);
    expect(storeResponses(await storescu(node.dicom.port, files))).to.deep.include({ failed: 0 });
  }
  return node.index.listIds('studies', 0, 10);
}

describe('api/routes/find: POST /tools/find and paging, against instances from storescu', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  let api: ApiClient;
  let studies: string[];

  const find = async (body: Record<string, unknown>, status = 200) => (await api.post('/tools/find').send(body).expect(status)).body;

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    node = await startTestNode();
    work = makeTempDir();
    studies = await pushStudies(node, work);
    api = await apiAs(node, 'service');
  });
  after(async () => {
    await node?.dispose();
    if (work) removeDir(work);
  });

  it('matches person names whatever the case, with * and ?', async () => {
    expect(await find({ Level: 'Study', Query: { PatientName: 'doe*' } })).to.deep.equal([studies[0], studies[1]]);
    expect(await find({ Level: 'Study', Query: { PatientName: 'DOE^JO?N' } })).to.deep.equal([studies[1]]);
    expect(await find({ Level: 'Patient', Query: { PatientName: '*' } })).to.have.length(3);
  });

  it('matches other tags case-sensitively unless CaseSensitive is false', async () => {
    expect(await find({ Level: 'Patient', Query: { PatientID: 'PID-?' } })).to.have.length(3);
    expect(await find({ Level: 'Study', Query: { PatientID: 'pid-a' } })).to.deep.equal([]);
    expect(await find({ Level: 'Study', Query: { PatientID: 'pid-a' }, CaseSensitive: false })).to.deep.equal([studies[0]]);
  });

  it('takes date ranges, open at either end', async () => {
    expect(await find({ Level: 'Study', Query: { StudyDate: '20240101-20240331' } })).to.deep.equal([studies[0], studies[1]]);
    expect(await find({ Level: 'Study', Query: { StudyDate: '20250101-' } })).to.deep.equal([studies[2]]);
    expect(await find({ Level: 'Study', Query: { StudyDate: '-20240201' } })).to.deep.equal([studies[0]]);
    expect(await find({ Level: 'Study', Query: { StudyDate: '20240310' } })).to.deep.equal([studies[1]]);
  });

  it('treats % and _ in values as themselves, not as SQL wildcards', async () => {
    expect(await find({ Level: 'Study', Query: { AccessionNumber: 'ACC-3%0' } })).to.deep.equal([studies[2]]);
    expect(await find({ Level: 'Study', Query: { AccessionNumber: 'ACC-3_0' } })).to.deep.equal([]);
    expect(await find({ Level: 'Study', Query: { AccessionNumber: 'ACC-%' } })).to.deep.equal([]);
    expect(await find({ Level: 'Study', Query: { PatientName: 'smith^anna_%' } })).to.deep.equal([studies[2]]);
    expect(await find({ Level: 'Study', Query: { PatientName: 'SMITH^ANNA__' } })).to.deep.equal([]);
  });

  it('searches a level by the tags of its parents, and expands to Orthanc resources', async () => {
    const mr = await find({ Level: 'Instance', Query: { Modality: 'MR', PatientName: 'DOE*' }, Expand: true });
    expect(mr).to.have.length(2);
    expect(mr[0]).to.include({ Type: 'Instance' });
    expect(mr[0].MainDicomTags).to.include({ InstanceNumber: '1' });
    const series = await find({ Level: 'Series', Query: { Modality: 'CT' }, Expand: true });
    expect(series.map((s: { ParentStudy: string }) => s.ParentStudy)).to.deep.equal([studies[0], studies[2]]);
  });

  it('pages with Limit and Since, and GET /instances pages the same way', async () => {
    const all = await find({ Level: 'Instance', Query: {} });
    expect(all).to.have.length(5);
    const pages = [
      await find({ Level: 'Instance', Query: {}, Limit: 2 }),
      await find({ Level: 'Instance', Query: {}, Limit: 2, Since: 2 }),
      await find({ Level: 'Instance', Query: {}, Limit: 2, Since: 4 }),
    ];
    expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1]);
    expect(pages.flat()).to.deep.equal(all);
    const listed = [...(await api.get('/instances?limit=3').expect(200)).body, ...(await api.get('/instances?limit=3&since=3').expect(200)).body];
    expect(listed).to.deep.equal(all);
    const expanded = (await api.get('/studies?expand&limit=1&since=1').expect(200)).body;
    expect(expanded).to.have.length(1);
    expect(expanded[0]).to.include({ ID: studies[1], Type: 'Study' });
    expect(expanded[0].PatientMainDicomTags).to.include({ PatientID: 'PID-B' });
  });

  it('refuses what it does not understand with a 400 problem that names it', async () => {
    const cases: [unknown, RegExp][] = [
      [{ Level: 'Study', Query: {}, OrderBy: [] }, /OrderBy/],
      [{ Level: 'Equipment', Query: {} }, /Level must be/],
      [{ Level: 'Patient', Query: { Modality: 'CT' } }, /"Modality" cannot be searched at level Patient/],
      [{ Level: 'Study', Query: { PatientName: 42 } }, /Query\.PatientName/],
      [{ Level: 'Study', Query: { PatientName: 'A\u0000' } }, /control characters/],
      [{ Level: 'Study', Query: {}, Limit: 0 }, /Limit/],
      [{ Query: {} }, /Level/],
      [[], /body|expected object/],
    ];
    for (const [body, detail] of cases) {
      const problem = await find(body as Record<string, unknown>, 400);
      expect(problem.code, JSON.stringify(body)).to.equal('BAD_REQUEST');
      expect(problem.detail, JSON.stringify(body)).to.match(detail);
    }
    const broken = await api.post('/tools/find').set('Content-Type', 'application/json').send('{"Level": "Study",').expect(400);
    expect(broken.body.detail).to.equal('request body is not valid JSON');
    const huge = { Level: 'Study', Query: {}, Padding: 'x'.repeat(2 * 1024 * 1024) };
    expect((await api.post('/tools/find').send(huge).expect(413)).body.code).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('audits a search with the ids it returned, and logs no patient identifier at any level', async () => {
    const before = node.audit.list({ since: 0, limit: 100_000 }).last;
    const ids = await find({ Level: 'Study', Query: { PatientName: 'DOE^JANE' } });
    const [row] = node.audit.list({ since: before, limit: 10 }).entries;
    expect(row).to.deep.include({ tokenName: 'test-service', method: 'POST', route: '/tools/find', resources: ids, status: 200 });
    expect(JSON.stringify(row)).to.not.include('DOE');
    const logs = node.logs.text();
    for (const identifier of IDENTIFIERS) expect(logs, identifier).to.not.include(identifier);
  });
});

describe('api/routes: DELETE /{level}/{id} and GET /changes', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  let studies: string[];

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    node = await startTestNode();
    work = makeTempDir();
    studies = await pushStudies(node, work);
  });
  after(async () => {
    await node?.dispose();
    if (work) removeDir(work);
  });

  it('feeds /changes in Orthanc shape, paged by Last', async () => {
    const api = await apiAs(node, 'it');
    const first = (await api.get('/changes?limit=3').expect(200)).body;
    expect(first.Done).to.equal(false);
    expect(first.Changes.map((c: { ChangeType: string }) => c.ChangeType)).to.deep.equal(['NewPatient', 'NewStudy', 'NewSeries']);
    expect(first.Changes[1]).to.include({ ResourceType: 'Study', ID: studies[0], Path: `/studies/${studies[0]}`, Seq: 2 });
    expect(first.Last).to.equal(3);
    const rest = (await api.get(`/changes?since=${first.Last}&limit=1000`).expect(200)).body;
    expect(rest.Done).to.equal(true);
    const instances = [...first.Changes, ...rest.Changes].filter((c: { ChangeType: string }) => c.ChangeType === 'NewInstance');
    expect(instances).to.have.length(5);
    const empty = (await api.get(`/changes?since=${rest.Last}`).expect(200)).body;
    expect(empty).to.deep.equal({ Changes: [], Done: true, Last: rest.Last });
  });

  it('deletes for admins only: the index first, then the files; says which ancestor remains', async () => {
    const admin = await apiAs(node, 'admin');
    const radiologist = await apiAs(node, 'radiologist');
    const [seriesA] = node.index.childIds('studies', studies[0]!);
    const [first, second] = node.index.childIds('series', seriesA!);
    const file = node.files.absolutePath(node.index.getInstance(first!)!.filePath);

    await radiologist.delete(`/instances/${first}`).expect(403);
    const one = (await admin.delete(`/instances/${first}`).expect(200)).body;
    expect(one).to.deep.equal({ RemainingAncestor: { ID: seriesA, Path: `/series/${seriesA}`, Type: 'Series' } });
    expect(fs.existsSync(file)).to.equal(false);
    expect(node.index.childIds('series', seriesA!)).to.deep.equal([second]);

    const whole = (await admin.delete(`/studies/${studies[1]}`).expect(200)).body;
    expect(whole).to.deep.equal({ RemainingAncestor: null });
    expect(node.index.count('patients')).to.equal(2);
    await admin.delete(`/studies/${studies[1]}`).expect(404);

    const last = (await admin.get('/changes?since=0&limit=1000').expect(200)).body.Changes.slice(-2);
    expect(last.map((c: { ChangeType: string; ResourceType: string }) => `${c.ChangeType} ${c.ResourceType}`)).to.deep.equal([
      'Deleted Instance',
      'Deleted Study',
    ]);
    const audit = node.audit.list({ since: 0, limit: 1000 }).entries.filter((e) => e.method === 'DELETE' && e.status === 200);
    expect(audit.map((e) => e.route)).to.deep.equal(['/instances/:id', '/studies/:id']);
    expect(audit[1]!.resources).to.have.length(2);
  });
});
