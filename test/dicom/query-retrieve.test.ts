import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { requireTool } from '../helpers/tools.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { finalStatus, findscu, runDcmtk, storescu } from '../helpers/dcmtk.js';
import { freePort, StoreScp } from '../helpers/storescp.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** The identifiers findscu wrote (-X), in the order received. */
function responses(dir: string): Record<string, unknown>[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^rsp\d+\.dcm$/.test(f))
    .sort()
    .map((f) => {
      const file = fs.readFileSync(path.join(dir, f));
      const message = dcmjs.data.DicomMessage.readFile(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
      return dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
    });
}

function name(value: unknown): string {
  return (value as { Alphabetic: string }[])[0]!.Alphabetic;
}

describe('dicom/query-retrieve: C-FIND, C-MOVE, C-GET with DCMTK as the peer', function () {
  this.timeout(90_000);
  let node: TestNode;
  let pacs: StoreScp;
  let work: string;
  let out: string;
  const studyA = uidFor('qr-a/study');
  const seriesA = uidFor('qr-a/series');
  const studyB = uidFor('qr-b/study');

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    work = makeTempDir();
    pacs = new StoreScp(await freePort(), 'PACS');
    await pacs.start();
    node = await startTestNode({
      dicom: {
        queryRetrieve: { allowedAeTitles: ['FINDSCU', 'MOVESCU', 'GETSCU'], maxResults: 3 },
        modalities: [{ aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port }],
      },
    });
    const a = writeSeries(path.join(work, 'a'), { seed: 'qr-a', slices: 3, patientName: 'DOE^JANE', patientId: 'PA', studyDate: '20261128', modality: 'CT' });
    const b = writeSeries(path.join(work, 'b'), {
      seed: 'qr-b',
      slices: 2,
      patientName: 'ROE^RICHARD',
      patientId: 'PB',
      studyDate: '20250105',
      modality: 'MR',
    });
    const c = writeSeries(path.join(work, 'c'), { seed: 'qr-c', slices: 1, patientName: 'DOE^JOHN', patientId: 'PC', studyDate: '20240310', modality: 'CT' });
    const stored = await storescu(node.dicom.port, [...a, ...b, ...c]);
    expect(stored.code, stored.stderr).to.equal(0);
  });
  after(async () => {
    await node?.dispose();
    await pacs?.dispose();
    if (work) removeDir(work);
  });
  beforeEach(() => {
    out = makeTempDir('vigil-qr-out-');
  });
  afterEach(() => removeDir(out));

  async function find(keys: string[], opts: { model?: '-S' | '-P'; callingAe?: string } = {}) {
    const result = await findscu(node.dicom.port, keys, out, opts);
    expect(result.code, result.stderr).to.equal(0);
    return { status: finalStatus(result), matches: responses(out) };
  }

  it('finds studies (Study Root) by a name wildcard and a date range, with computed keys', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const { status, matches } = await find([
      'QueryRetrieveLevel=STUDY',
      'PatientName=doe*',
      'StudyDate=20250101-',
      'StudyInstanceUID',
      'ModalitiesInStudy',
      'NumberOfStudyRelatedInstances',
      'NumberOfStudyRelatedSeries',
    ]);
    expect(status).to.equal('0x0000');
    expect(matches).to.have.length(1);
    const [m] = matches;
    expect(m!.StudyInstanceUID).to.equal(studyA);
    expect(name(m!.PatientName)).to.equal('DOE^JANE');
    expect(m!.StudyDate).to.equal('20261128');
    expect(m!.ModalitiesInStudy).to.equal('CT');
    expect(Number(m!.NumberOfStudyRelatedInstances)).to.equal(3);
    expect(Number(m!.NumberOfStudyRelatedSeries)).to.equal(1);
    expect(m!.QueryRetrieveLevel).to.equal('STUDY');
  });

  it('matches ModalitiesInStudy and open-start ranges', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const mr = await find(['QueryRetrieveLevel=STUDY', 'ModalitiesInStudy=MR', 'StudyInstanceUID']);
    expect(mr.matches.map((m) => m.StudyInstanceUID)).to.deep.equal([studyB]);
    const old = await find(['QueryRetrieveLevel=STUDY', 'StudyDate=-20250105', 'PatientID']);
    expect(old.matches.map((m) => m.PatientID)).to.have.members(['PB', 'PC']);
  });

  it('finds patients (Patient Root) with their study count', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const { status, matches } = await find(['QueryRetrieveLevel=PATIENT', 'PatientID=P?', 'PatientName=ROE*', 'NumberOfPatientRelatedStudies'], {
      model: '-P',
    });
    expect(status).to.equal('0x0000');
    expect(matches).to.have.length(1);
    expect(matches[0]!.PatientID).to.equal('PB');
    expect(Number(matches[0]!.NumberOfPatientRelatedStudies)).to.equal(1);
  });

  it('finds series of a study, and images of a series, with their unique keys', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const series = await find(['QueryRetrieveLevel=SERIES', `StudyInstanceUID=${studyA}`, 'Modality', 'SeriesInstanceUID', 'NumberOfSeriesRelatedInstances']);
    expect(series.status).to.equal('0x0000');
    expect(series.matches).to.have.length(1);
    expect(series.matches[0]!.SeriesInstanceUID).to.equal(seriesA);
    expect(series.matches[0]!.Modality).to.equal('CT');
    expect(Number(series.matches[0]!.NumberOfSeriesRelatedInstances)).to.equal(3);

    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    const images = await find(['QueryRetrieveLevel=IMAGE', `StudyInstanceUID=${studyA}`, `SeriesInstanceUID=${seriesA}`, 'SOPInstanceUID', 'InstanceNumber'], {
      model: '-P',
    });
    expect(images.status).to.equal('0x0000');
    expect(images.matches.map((m) => m.SOPInstanceUID)).to.have.members([0, 1, 2].map((i) => uidFor(`qr-a/instance/${i}`)));
  });

  it('matches a list of UIDs', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const { matches } = await find(['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${studyA}\\${studyB}`]);
    expect(matches.map((m) => m.StudyInstanceUID)).to.have.members([studyA, studyB]);
  });

  it('answers at most maxResults matches, then A700 so the SCU narrows the query', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    // Six instances are stored.
    const { status, matches } = await find(['QueryRetrieveLevel=IMAGE', 'SOPInstanceUID'], { model: '-P' });
    expect(matches).to.have.length(3);
    expect(status).to.equal('0xa700');
  });

  it('refuses identifiers that do not fit the model with A900, and answers nothing', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    for (const keys of [
      ['PatientName=DOE*'], // no level
      ['QueryRetrieveLevel=FOO'],
      ['QueryRetrieveLevel=STUDY', 'SOPInstanceUID'], // a key below the level
      ['QueryRetrieveLevel=STUDY', 'StudyDate=20260101-20250101'], // a range backwards
    ]) {
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out);
      const { status, matches } = await find(keys);
      expect(status, keys.join(' ')).to.equal('0xa900');
      expect(matches, keys.join(' ')).to.have.length(0);
    }
    // The Study Root model has no PATIENT level.
    const patient = await find(['QueryRetrieveLevel=PATIENT', 'PatientID']);
    expect(patient.status).to.equal('0xa900');
  });

  it('refuses a calling AE title not in allowedAeTitles with 0124, and audits the refusal', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const { status, matches } = await find(['QueryRetrieveLevel=STUDY', 'PatientName'], { callingAe: 'SNOOPER' });
    expect(status).to.equal('0x0124');
    expect(matches).to.have.length(0);
    const audit = node.audit.list({ since: 0, limit: 1000, tokenName: 'dicom:SNOOPER' }).entries;
    expect(audit).to.have.length(1);
    expect(audit[0]).to.include({ method: 'C-FIND', status: 403 });
  });

  it('audits each query with the ids answered and never a key value', async function () {
    requireTool(this, 'findscu', 'dcmtk');
    const before = node.audit.list({ since: 0, limit: 10_000, tokenName: 'dicom:FINDSCU' }).entries.length;
    await find(['QueryRetrieveLevel=STUDY', 'PatientName=ROE*', 'StudyInstanceUID']);
    const entries = node.audit.list({ since: 0, limit: 10_000, tokenName: 'dicom:FINDSCU' }).entries;
    expect(entries).to.have.length(before + 1);
    const last = entries.at(-1)!;
    expect(last).to.include({ method: 'C-FIND', route: 'study-root', status: 200 });
    expect(last.params).to.include({ level: 'STUDY', status: '0x0000', matches: '1' });
    expect(last.resources).to.have.length(1);
    expect(JSON.stringify(last)).not.to.match(/ROE/);
  });

  it('moves a study to a configured modality (movescu to a storescp the test started)', async function () {
    requireTool(this, 'movescu', 'dcmtk');
    const result = await runDcmtk('movescu', [
      '-d',
      '-S',
      '-aet',
      'MOVESCU',
      '-aec',
      'VIGIL',
      '-aem',
      'PACS',
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      `StudyInstanceUID=${studyA}`,
      '127.0.0.1',
      String(node.dicom.port),
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(finalStatus(result)).to.equal('0x0000');
    expect(pacs.files()).to.have.length(3);
    const audit = node.audit.list({ since: 0, limit: 1000, tokenName: 'dicom:MOVESCU' }).entries.at(-1)!;
    expect(audit).to.include({ method: 'C-MOVE', status: 200 });
    expect(audit.params).to.include({ destination: 'PACS', completed: '3', failed: '0' });
  });

  it('refuses a move to an unknown destination with A801 and one without its unique key with A900', async function () {
    requireTool(this, 'movescu', 'dcmtk');
    const unknown = await runDcmtk('movescu', [
      '-d',
      '-S',
      '-aet',
      'MOVESCU',
      '-aec',
      'VIGIL',
      '-aem',
      'NOWHERE',
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      `StudyInstanceUID=${studyA}`,
      '127.0.0.1',
      String(node.dicom.port),
    ]);
    expect(finalStatus(unknown)).to.equal('0xa801');
    const everything = await runDcmtk('movescu', [
      '-d',
      '-S',
      '-aet',
      'MOVESCU',
      '-aec',
      'VIGIL',
      '-aem',
      'PACS',
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      'PatientName=*',
      '127.0.0.1',
      String(node.dicom.port),
    ]);
    expect(finalStatus(everything)).to.equal('0xa900');
  });

  it('sends a series back on the same association for C-GET (getscu)', async function () {
    requireTool(this, 'getscu', 'dcmtk');
    const result = await runDcmtk('getscu', [
      '-d',
      '-S',
      '-aet',
      'GETSCU',
      '-aec',
      'VIGIL',
      '-od',
      out,
      '-k',
      'QueryRetrieveLevel=SERIES',
      '-k',
      `StudyInstanceUID=${studyA}`,
      '-k',
      `SeriesInstanceUID=${seriesA}`,
      '127.0.0.1',
      String(node.dicom.port),
    ]);
    expect(result.code, result.stderr).to.equal(0);
    expect(finalStatus(result)).to.equal('0x0000');
    const received = fs.readdirSync(out);
    expect(received).to.have.length(3);
    // Byte for byte the pixel data the scanner sent.
    const original = fs.readFileSync(path.join(work, 'a', fs.readdirSync(path.join(work, 'a')).sort()[0]!));
    const back = received.map((f) => fs.readFileSync(path.join(out, f)));
    expect(back.some((b) => b.subarray(b.length - 4096).equals(original.subarray(original.length - 4096)))).to.equal(true);
  });
});
