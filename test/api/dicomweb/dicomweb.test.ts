import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { api as dicomweb } from 'dicomweb-client';
import { requireTool } from '../../helpers/tools.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { uidFor, writeSeries } from '../../helpers/dicom-fixtures.js';
import { storescu } from '../../helpers/dcmtk.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { installXhr } from '../../helpers/xhr-on-fetch.js';
import type { Role } from '../../../src/domain/roles.js';
import { decodePng } from '../../../src/triage/png.js';

type Json = Record<string, { vr: string; Value?: unknown[] }>;

/** The client's calls as these tests use them (its typings make every option required). */
type Call = (options?: Record<string, unknown>) => Promise<unknown>;
interface WebClient {
  searchForStudies: Call;
  searchForSeries: Call;
  searchForInstances: Call;
  retrieveInstance: Call;
  retrieveStudyMetadata: Call;
  retrieveSeriesMetadata: Call;
  retrieveInstanceFrames: Call;
  storeInstances: Call;
}

function webClient(url: string, headers: Record<string, string> = {}): WebClient {
  const Client = dicomweb.DICOMwebClient as unknown as new (options: Record<string, unknown>) => WebClient;
  return new Client({ url, headers, verbose: false });
}

describe('api/dicomweb: QIDO-RS and WADO-RS with dicomweb-client', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;
  let removeXhr: () => void;
  const studyA = uidFor('web-a/study');
  const seriesA = uidFor('web-a/series');
  const sopA0 = uidFor('web-a/instance/0');

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    removeXhr = installXhr();
    work = makeTempDir();
    node = await startTestNode({ dicom: { queryRetrieve: { maxResults: 3 } } });
    const a = writeSeries(path.join(work, 'a'), {
      seed: 'web-a',
      slices: 3,
      patientName: 'DOE^JANE',
      patientId: 'PA',
      studyDate: '20261128',
      rows: 32,
      columns: 32,
    });
    const b = writeSeries(path.join(work, 'b'), {
      seed: 'web-b',
      slices: 2,
      patientName: 'ROE^RICHARD',
      patientId: 'PB',
      studyDate: '20250105',
      modality: 'MR',
    });
    const stored = await storescu(node.dicom.port, [...a, ...b]);
    expect(stored.code, stored.stderr).to.equal(0);
  });
  after(async () => {
    removeXhr?.();
    await node?.dispose();
    if (work) removeDir(work);
  });

  async function client(role: Role) {
    return webClient(`http://127.0.0.1:${node.http.port}/dicom-web`, { Authorization: `Bearer ${await node.tokenFor(role)}` });
  }

  async function status(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
    try {
      await promise;
      return { status: 200, body: undefined };
    } catch (err) {
      const e = err as { status: number; response: unknown };
      return { status: e.status, body: e.response };
    }
  }

  it('searches studies by name wildcard and date range, with the default fields (QIDO-RS)', async () => {
    const web = await client('service');
    const studies = (await web.searchForStudies({ queryParams: { PatientName: 'doe*', StudyDate: '20260101-' } })) as Json[];
    expect(studies).to.have.length(1);
    const [s] = studies;
    expect(s!['0020000D']!.Value).to.deep.equal([studyA]);
    expect(s!['00100010']!.Value).to.deep.equal([{ Alphabetic: 'DOE^JANE' }]);
    expect(s!['00080061']!.Value).to.deep.equal(['CT']);
    expect(s!['00201208']!.Value).to.deep.equal([3]);
    expect(s!['00080052']).to.equal(undefined);
  });

  it('searches series of a study and instances of a series, with includefield, limit and offset', async () => {
    const web = await client('radiologist');
    const series = (await web.searchForSeries({ studyInstanceUID: studyA, queryParams: { includefield: 'Manufacturer' } })) as Json[];
    expect(series.map((s) => s['0020000E']!.Value![0])).to.deep.equal([seriesA]);
    expect(series[0]!['00080070']!.Value).to.deep.equal(['VIGIL TESTS']);
    const all = (await web.searchForInstances({ studyInstanceUID: studyA, seriesInstanceUID: seriesA })) as Json[];
    expect(all).to.have.length(3);
    const page = (await web.searchForInstances({ studyInstanceUID: studyA, seriesInstanceUID: seriesA, queryParams: { limit: '2', offset: '1' } })) as Json[];
    expect(page.map((i) => i['00080018']!.Value![0])).to.deep.equal(all.slice(1, 3).map((i) => i['00080018']!.Value![0]));
    const byTag = (await web.searchForStudies({ queryParams: { '00100020': 'PB' } })) as Json[];
    expect(byTag).to.have.length(1);
    const studyB = uidFor('web-b/study');
    const list = (await web.searchForStudies({ queryParams: { StudyInstanceUID: `${studyA},${studyB}` } })) as Json[];
    expect(list.map((s) => s['0020000D']!.Value![0])).to.have.members([studyA, studyB]);
  });

  it("ignores an includefield of an attribute below the level, as OHIF's study list asks (Modality, 00080060)", async () => {
    const web = await client('radiologist');
    const studies = (await web.searchForStudies({ queryParams: { PatientID: 'PA', includefield: '00081030,00080060,00080090,00100030' } })) as Json[];
    expect(studies.map((s) => s['0020000D']!.Value![0])).to.deep.equal([studyA]);
    expect(studies[0]!['00080060'], 'Modality is no study attribute').to.equal(undefined);
    expect(studies[0]!['00080061']!.Value).to.deep.equal(['CT']);
    // As a matching key it is still refused: a study cannot be matched on a series attribute.
    expect((await status(web.searchForStudies({ queryParams: { Modality: 'CT' } }))).status).to.equal(400);
  });

  it('lowers a limit above dicom.queryRetrieve.maxResults, and says so in a Warning header', async () => {
    const res = await fetch(`http://127.0.0.1:${node.http.port}/dicom-web/instances?limit=50`, {
      headers: { Authorization: `Bearer ${await node.tokenFor('service')}` },
    });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.have.length(3);
    expect(res.headers.get('Warning')).to.match(/^299 vigil "limit lowered to 3/);
  });

  it('answers bad queries with a 400 problem that says what is wrong', async () => {
    const web = await client('service');
    for (const queryParams of [{ NotAKeyword: 'x' }, { StudyDate: '20260101-20250101' }, { SOPInstanceUID: '1.2' }, { limit: 'many' }]) {
      const { status: code, body } = await status(web.searchForStudies({ queryParams }));
      expect(code, JSON.stringify(queryParams)).to.equal(400);
      const problem = body as { code: string; detail: string };
      expect(problem.code, JSON.stringify(queryParams)).to.equal('DICOMWEB_BAD_QUERY');
      expect(problem.detail).to.be.a('string').and.not.equal('');
    }
  });

  it('retrieves an instance as stored, the metadata as DICOM JSON, and frames (WADO-RS)', async () => {
    const web = await client('radiologist');
    const instance = (await web.retrieveInstance({ studyInstanceUID: studyA, seriesInstanceUID: seriesA, sopInstanceUID: sopA0 })) as ArrayBuffer;
    const original = fs.readFileSync(path.join(work, 'a', fs.readdirSync(path.join(work, 'a')).sort()[0]!));
    const sent = dcmjs.data.DicomMessage.readFile(original.buffer.slice(original.byteOffset, original.byteOffset + original.byteLength));
    const got = dcmjs.data.DicomMessage.readFile(instance);
    expect(got.dict['00080018']!.Value).to.deep.equal([sopA0]);
    expect(Buffer.from((got.dict['7FE00010']!.Value as ArrayBuffer[])[0]!)).to.deep.equal(Buffer.from((sent.dict['7FE00010']!.Value as ArrayBuffer[])[0]!));

    const metadata = (await web.retrieveSeriesMetadata({ studyInstanceUID: studyA, seriesInstanceUID: seriesA })) as Json[];
    expect(metadata).to.have.length(3);
    expect(metadata.map((m) => m['00080018']!.Value![0])).to.include(sopA0);
    expect(metadata[0]!['00280010']!.Value).to.deep.equal([32]);

    const frames = (await web.retrieveInstanceFrames({
      studyInstanceUID: studyA,
      seriesInstanceUID: seriesA,
      sopInstanceUID: sopA0,
      frameNumbers: [1],
    })) as ArrayBuffer[];
    expect(frames).to.have.length(1);
    expect(Buffer.from(frames[0]!)).to.deep.equal(Buffer.from((sent.dict['7FE00010']!.Value as ArrayBuffer[])[0]!));
  });

  it('renders a frame and a thumbnail as PNG (WADO-RS rendered)', async () => {
    const base = `http://127.0.0.1:${node.http.port}/dicom-web/studies/${studyA}/series/${seriesA}/instances/${sopA0}`;
    const headers = { Authorization: `Bearer ${await node.tokenFor('radiologist')}`, Accept: 'image/png' };
    for (const [suffix, side] of [
      ['rendered', 32],
      ['thumbnail', 32],
      ['frames/1/rendered', 32],
    ] as const) {
      const res = await fetch(`${base}/${suffix}`, { headers });
      expect(res.status, suffix).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('image/png');
      const png = Buffer.from(await res.arrayBuffer());
      const { width, height, rgb } = decodePng(png);
      expect([width, height], suffix).to.deep.equal([side, side]);
      // The disc of the phantom is brighter than its surround.
      const at = (x: number, y: number) => rgb[(y * width + x) * 3]!;
      expect(at(16, 16), suffix).to.be.greaterThan(at(1, 1));
    }
    expect((await fetch(`${base}/rendered`, { headers: { ...headers, Accept: 'image/jpeg' } })).status).to.equal(406);
    expect((await fetch(`${base}/frames/2/rendered`, { headers })).status).to.equal(404);
  });

  it('answers 404 for a study it does not hold and 400 for a path that is not a UID', async () => {
    const web = await client('radiologist');
    expect((await status(web.retrieveStudyMetadata({ studyInstanceUID: '1.2.3.4' }))).status).to.equal(404);
    expect((await status(web.retrieveStudyMetadata({ studyInstanceUID: 'not-a-uid' }))).status).to.equal(400);
    expect(
      (await status(web.retrieveInstanceFrames({ studyInstanceUID: studyA, seriesInstanceUID: seriesA, sopInstanceUID: sopA0, frameNumbers: [9] }))).status,
    ).to.equal(404);
  });

  it('applies the API roles: images for radiologists, searches for services too, nothing for IT or without a token', async () => {
    const service = await client('service');
    expect((await status(service.retrieveInstance({ studyInstanceUID: studyA, seriesInstanceUID: seriesA, sopInstanceUID: sopA0 }))).status).to.equal(403);
    expect((await status(service.retrieveSeriesMetadata({ studyInstanceUID: studyA, seriesInstanceUID: seriesA }))).status).to.equal(200);
    const it = await client('it');
    expect((await status(it.searchForStudies())).status).to.equal(403);
    const anonymous = webClient(`http://127.0.0.1:${node.http.port}/dicom-web`);
    expect((await status(anonymous.searchForStudies())).status).to.equal(401);
  });

  it('audits each search and retrieve with the ids it answered', async () => {
    const web = await client('radiologist');
    await web.searchForStudies({ queryParams: { PatientName: 'ROE*' } });
    await web.retrieveInstance({ studyInstanceUID: studyA, seriesInstanceUID: seriesA, sopInstanceUID: sopA0 });
    const entries = node.audit.list({ since: 0, limit: 10_000, tokenName: 'test-radiologist' }).entries;
    const search = entries.filter((e) => e.route === '/dicom-web/studies').at(-1)!;
    expect(search.resources).to.have.length(1);
    expect(JSON.stringify(search)).not.to.match(/ROE/);
    const retrieve = entries.filter((e) => e.route.endsWith('/instances/:instance')).at(-1)!;
    expect(retrieve.resources).to.have.length(1);
    expect(retrieve.status).to.equal(200);
  });

  describe('STOW-RS', () => {
    const studyC = uidFor('web-c/study');
    const seriesC = uidFor('web-c/series');

    function arrayBuffers(files: string[]): ArrayBuffer[] {
      return files.map((f) => {
        const b = fs.readFileSync(f);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      });
    }

    async function post(body: Buffer, contentType: string, role: Role = 'service', url = '/dicom-web/studies') {
      const res = await fetch(`http://127.0.0.1:${node.http.port}${url}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await node.tokenFor(role)}`, 'Content-Type': contentType },
        body,
      });
      return { status: res.status, body: (await res.json()) as Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }> };
    }

    function multipart(parts: Buffer[], boundary = 'b0undary'): Buffer {
      return Buffer.concat([
        ...parts.flatMap((p) => [Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n')]),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
    }

    it('stores a series through the C-STORE path: indexed, searchable, byte for byte', async () => {
      const files = writeSeries(path.join(work, 'c'), { seed: 'web-c', slices: 2, patientName: 'POE^EDGAR', patientId: 'PC' });
      const web = await client('service');
      await web.storeInstances({ datasets: arrayBuffers(files) });
      const instances = node.index.find({
        level: 'instances',
        criteria: [{ level: 'series', keyword: 'SeriesInstanceUID', match: { kind: 'wildcard', pattern: seriesC, caseSensitive: true } }],
        since: 0,
        limit: 10,
      });
      expect(instances).to.have.length(2);
      const row = node.index.getInstance(instances[0]!)!;
      expect(row.callingAeTitle).to.equal('STOW-RS');
      const stored = fs.readFileSync(node.files.absolutePath(row.filePath));
      const sent = files.map((f) => fs.readFileSync(f)).find((b) => b.includes(Buffer.from(row.sopInstanceUid)))!;
      expect(stored.subarray(stored.length - 2048)).to.deep.equal(sent.subarray(sent.length - 2048));
      const found = (await (await client('radiologist')).searchForStudies({ queryParams: { StudyInstanceUID: studyC } })) as Json[];
      expect(found).to.have.length(1);
      // The series tracker saw it, as it sees a C-STORE.
      expect(node.series.stateOf(row.seriesId)).to.not.equal(undefined);
    });

    it('answers 409 with a FailedSOPSequence for a part that is not DICOM, and 202 for a mix', async () => {
      const bad = await post(multipart([Buffer.from('not a DICOM file')]), 'multipart/related; type="application/dicom"; boundary=b0undary');
      expect(bad.status).to.equal(409);
      expect(bad.body['00081198']!.Value![0]!['00081197']!.Value).to.deep.equal([0xc000]);
      const good = fs.readFileSync(writeSeries(path.join(work, 'd'), { seed: 'web-d', slices: 1 })[0]!);
      const mixed = await post(multipart([good, Buffer.from('junk')]), 'multipart/related; type="application/dicom"; boundary=b0undary');
      expect(mixed.status).to.equal(202);
      expect(mixed.body['00081199']!.Value).to.have.length(1);
      expect(mixed.body['00081198']!.Value).to.have.length(1);
    });

    it('refuses an instance of another study than the path names, a wrong media type, a cut body, and other roles', async () => {
      const file = fs.readFileSync(writeSeries(path.join(work, 'e'), { seed: 'web-e', slices: 1 })[0]!);
      const wrongStudy = await post(
        multipart([file]),
        'multipart/related; type="application/dicom"; boundary=b0undary',
        'service',
        `/dicom-web/studies/${studyA}`,
      );
      expect(wrongStudy.status).to.equal(409);
      expect(wrongStudy.body['00081198']!.Value![0]!['00081197']!.Value).to.deep.equal([0xa900]);
      expect((await post(file, 'application/dicom')).status).to.equal(415);
      expect((await post(multipart([file]).subarray(0, 400), 'multipart/related; type="application/dicom"; boundary=b0undary')).status).to.equal(400);
      expect((await post(multipart([file]), 'multipart/related; type="application/dicom"; boundary=b0undary', 'radiologist')).status).to.equal(403);
      const uids = node.index.find({
        level: 'studies',
        criteria: [{ level: 'studies', keyword: 'StudyInstanceUID', match: { kind: 'wildcard', pattern: uidFor('web-e/study'), caseSensitive: true } }],
        since: 0,
        limit: 10,
      });
      expect(uids, 'nothing refused was stored').to.have.length(0);
    });
  });
});
