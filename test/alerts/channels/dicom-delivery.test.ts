import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import YAML from 'yaml';
import { storeFailure } from '../../../src/alerts/channels/dicom/dicom-channel.js';
import { resultUids } from '../../../src/alerts/channels/dicom/result-uids.js';
import type { Delivery } from '../../../src/alerts/model.js';
import { loadConfig } from '../../../src/config/load.js';
import { dicomDestination } from '../../../src/config/sections/alerts.js';
import type { VigilError } from '../../../src/core/errors.js';
import { encodePng } from '../../../src/triage/png.js';
import { alertsHarness, type AlertsHarness } from '../../helpers/alerts-harness.js';
import { eventually } from '../../helpers/eventually.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { freePort, StoreScp } from '../../helpers/storescp.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { dciodvfyReport } from '../../phantom/phantom-helpers.js';

type Item = Record<string, unknown> & { ContentSequence?: Item[] };
/** 5 × 3 RGB: an odd number of bytes, which the SC must pad. */
const KEY_RGB = Uint8Array.from({ length: 45 }, (_, i) => (i * 37) % 256);
/** A multi-frame SOP class: dciodvfy refuses a frame number that points into any other. */
const ENHANCED_CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2.1';

function readDataset(file: string): Item {
  const bytes = fs.readFileSync(file);
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
}

const meaning = (item: Item, key: string) => ((item[key] as Item[] | undefined)?.[0]?.CodeMeaning as string | undefined) ?? '';
/** Every content item of an SR, depth first: TID 1500 nests the finding in a measurement group. */
const allItems = (items: Item[] = []): Item[] => items.flatMap((i) => [i, ...allItems(i.ContentSequence)]);

describe('alerts/channels/dicom: SR, KOS and key-image SC to a PACS (DCMTK storescp), checked by dciodvfy', function () {
  this.timeout(30_000);
  let pacs: StoreScp;
  let h: AlertsHarness;
  let dciodvfy: string;

  beforeEach(async function () {
    requireTool(this, 'storescp', 'dcmtk');
    dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
    pacs = new StoreScp(await freePort());
    h = alertsHarness(
      {
        destinations: [
          { id: 'pacs', type: 'dicom', host: '127.0.0.1', port: pacs.port, aeTitle: 'PACS', when: { criticalOnly: false }, send: ['sr', 'kos', 'sc'] },
        ],
        delivery: { backoff: { initialMs: 10, maxMs: 40 }, breaker: { failureThreshold: 50, cooldownMs: 50 } },
      },
      { keyImage: () => encodePng(5, 3, KEY_RGB) },
    );
  });
  afterEach(async () => {
    await h?.dispose();
    await pacs?.dispose();
  });

  const deliveries = (): Delivery[] => h.part.deliveries.list({ limit: 100 });
  const settled = () => eventually(() => (deliveries().every((d) => d.state !== 'pending') ? deliveries() : undefined), 'deliveries settled');
  const received = () => pacs.files().map((f) => readDataset(path.join(pacs.dir, f)));
  const bySop = (sopInstanceUid: string) => received().find((d) => d.SOPInstanceUID === sopInstanceUid)!;

  it('stores an SR, a KOS and an SC of the key image into the study; dciodvfy finds no error; the SR says what the model found', async () => {
    await pacs.start();
    await h.part.start();
    const study = seedStudy(h.index, 'dicom-1', { patientName: 'MÜLLER^JÖRG' });
    const r = h.part.outbox.enqueueForFinding(makeFinding(study, { keyInstanceId: study.instanceId!, hasKeyImage: true }));
    if (r.outcome !== 'created') throw new Error('not created');
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', stepsDone: 3, closedReason: 'SR and KOS and SC stored' });
    expect(pacs.files()).to.have.length(3);
    for (const file of pacs.files()) {
      const report = dciodvfyReport(dciodvfy, path.join(pacs.dir, file));
      // Warnings left: DICOMDIR hints (the seeded study has no time or ID), Vigil's local coding scheme, an unknown laterality.
      expect(report, `${file}:\n${report}`).to.not.match(/^Error/m);
    }

    const sr = bySop(resultUids.sr(r.alert.id, 'alert'));
    expect(sr).to.include({
      Modality: 'SR',
      StudyInstanceUID: study.studyInstanceUid,
      AccessionNumber: study.accessionNumber,
      SpecificCharacterSet: 'ISO_IR 192',
    });
    expect(sr.PatientName).to.deep.equal([{ Alphabetic: 'MÜLLER^JÖRG' }]);
    expect(sr).to.include({
      SeriesInstanceUID: resultUids.srSeries(r.alert.id),
      PreliminaryFlag: 'FINAL',
      VerificationFlag: 'UNVERIFIED',
      CompletionFlag: 'COMPLETE',
    });
    expect(sr.PredecessorDocumentsSequence).to.equal(undefined);
    const items = allItems(sr.ContentSequence);
    const byName = (name: string) => items.filter((i) => meaning(i, 'ConceptNameCodeSequence') === name);
    expect(meaning(byName('Finding')[0]!, 'ConceptCodeSequence')).to.equal('Hemorrhage');
    expect(meaning(byName('Hemorrhage')[0]!, 'ConceptCodeSequence')).to.equal('Present');
    expect((byName('AI probability')[0]!.MeasuredValueSequence as Item[])[0]!.NumericValue).to.equal(0.93);
    expect(byName('Device Observer UID')[0]!.UID).to.equal('2.25.1234567890');
    expect(
      byName('Comment')
        .map((i) => i.TextValue)
        .join(' '),
    )
      .to.include('CRITICAL AI triage: possible Hemorrhage')
      .and.to.include('not a diagnosis');
    const keyReference = (items.find((i) => i.ValueType === 'IMAGE')!.ReferencedSOPSequence as Item[])[0]!;
    expect(keyReference.ReferencedSOPInstanceUID).to.equal(study.sopInstanceUid);
    expect(keyReference, 'a first frame or a single-frame image is the object itself').to.not.have.property('ReferencedFrameNumber');

    const sc = bySop(resultUids.sc(r.alert.id));
    expect(sc).to.include({
      Modality: 'OT',
      Rows: 3,
      Columns: 5,
      PhotometricInterpretation: 'RGB',
      SamplesPerPixel: 3,
      StudyInstanceUID: study.studyInstanceUid,
    });
    expect((sc.SourceImageSequence as Item[])[0]!.ReferencedSOPInstanceUID).to.equal(study.sopInstanceUid);
    const pixels = new Uint8Array((sc.PixelData as ArrayBuffer[])[0]!);
    expect([...pixels.subarray(0, 45)]).to.deep.equal([...KEY_RGB]);
  });

  it('names the frame of a key image inside a multi-frame object, in the SR and the SC; dciodvfy finds no error', async () => {
    await pacs.start();
    await h.part.start();
    const study = seedStudy(h.index, 'dicom-frame', { sopClassUid: ENHANCED_CT_IMAGE_STORAGE });
    const r = h.part.outbox.enqueueForFinding(makeFinding(study, { keyInstanceId: study.instanceId!, keyFrameNumber: 37, hasKeyImage: true }));
    if (r.outcome !== 'created') throw new Error('not created');
    await settled();
    for (const file of pacs.files()) {
      const report = dciodvfyReport(dciodvfy, path.join(pacs.dir, file));
      expect(report, `${file}:\n${report}`).to.not.match(/^Error/m);
    }
    const image = allItems(bySop(resultUids.sr(r.alert.id, 'alert')).ContentSequence).find((i) => i.ValueType === 'IMAGE')!;
    const srReference = (image.ReferencedSOPSequence as Item[])[0]!;
    const scSource = (bySop(resultUids.sc(r.alert.id)).SourceImageSequence as Item[])[0]!;
    const kosImage = (bySop(resultUids.kos(r.alert.id)).ContentSequence!.find((i) => i.ValueType === 'IMAGE')!.ReferencedSOPSequence as Item[])[0]!;
    for (const reference of [srReference, scSource, kosImage]) {
      expect(reference).to.include({ ReferencedSOPInstanceUID: study.sopInstanceUid });
      expect(Number(reference.ReferencedFrameNumber)).to.equal(37);
    }
  });

  it('a withdrawal is a new SR in the same series naming the one it replaces, with the negative and no key image', async () => {
    await pacs.start();
    await h.part.start();
    const study = seedStudy(h.index, 'dicom-2');
    const r = h.part.outbox.enqueueForFinding(makeFinding(study, { keyInstanceId: study.instanceId!, hasKeyImage: true }));
    if (r.outcome !== 'created') throw new Error('not created');
    await settled();
    h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.04 }));
    await settled();
    expect(deliveries().map((d) => [d.kind, d.state, d.stepsDone])).to.deep.equal([
      ['alert', 'delivered', 3],
      ['withdrawal', 'delivered', 1],
    ]);
    const withdrawal = bySop(resultUids.sr(r.alert.id, 'withdrawal'));
    const report = dciodvfyReport(
      dciodvfy,
      path.join(
        pacs.dir,
        pacs.files().find((f) => f.endsWith(resultUids.sr(r.alert.id, 'withdrawal')))!,
      ),
    );
    expect(report, report).to.not.match(/^Error/m);
    expect(withdrawal.SeriesInstanceUID).to.equal(resultUids.srSeries(r.alert.id));
    const predecessor = (withdrawal.PredecessorDocumentsSequence as Item[])[0]!;
    const referenced = ((predecessor.ReferencedSeriesSequence as Item[])[0]!.ReferencedSOPSequence as Item[])[0]!;
    expect(referenced.ReferencedSOPInstanceUID).to.equal(resultUids.sr(r.alert.id, 'alert'));
    const items = allItems(withdrawal.ContentSequence);
    expect(items.map((i) => meaning(i, 'ConceptCodeSequence')).filter(Boolean)).to.include('Absent');
    expect(items.map((i) => i.TextValue).join(' ')).to.match(/Withdrawn: model stroke 1\.0\.0, run again on a later version of the series/);
    expect(pacs.files()).to.have.length(4);
  });

  it('a corrected result is a new TID 1500 SR in the same series naming the one it replaces, with its own KOS', async () => {
    await pacs.start();
    await h.part.start();
    const study = seedStudy(h.index, 'dicom-corr');
    const r = h.part.outbox.enqueueForFinding(makeFinding(study, { keyInstanceId: study.instanceId!, hasKeyImage: true }));
    if (r.outcome !== 'created') throw new Error('not created');
    await settled();
    // The same series run again: still positive, no longer critical (a changed result: a correction).
    const c = h.part.outbox.enqueueForFinding(
      makeFinding(study, { keyInstanceId: study.instanceId!, hasKeyImage: true, critical: false, priority: 'urgent', probability: 0.7 }),
    );
    if (c.outcome !== 'created') throw new Error(`correction not created: ${c.outcome}`);
    await settled();
    expect(c.alert).to.include({ resultId: r.alert.id, replaces: r.alert.id });
    const corrected = bySop(resultUids.sr(c.alert.id, 'alert'));
    const file = pacs.files().find((f) => f.endsWith(resultUids.sr(c.alert.id, 'alert')))!;
    const report = dciodvfyReport(dciodvfy, path.join(pacs.dir, file));
    expect(report, report).to.not.match(/^Error/m);
    expect(corrected.SeriesInstanceUID).to.equal(resultUids.srSeries(r.alert.id));
    const predecessor = (corrected.PredecessorDocumentsSequence as Item[])[0]!;
    const referenced = ((predecessor.ReferencedSeriesSequence as Item[])[0]!.ReferencedSOPSequence as Item[])[0]!;
    expect(referenced.ReferencedSOPInstanceUID).to.equal(resultUids.sr(r.alert.id, 'alert'));
    const items = allItems(corrected.ContentSequence);
    expect((items.find((i) => meaning(i, 'ConceptNameCodeSequence') === 'AI probability')!.MeasuredValueSequence as Item[])[0]!.NumericValue).to.equal(0.7);
    expect(items.find((i) => meaning(i, 'ConceptNameCodeSequence') === 'Tracking Unique Identifier')!.UID, 'the same tracked finding').to.equal(
      allItems(bySop(resultUids.sr(r.alert.id, 'alert')).ContentSequence).find((i) => meaning(i, 'ConceptNameCodeSequence') === 'Tracking Unique Identifier')!
        .UID,
    );
    expect(items.map((i) => i.TextValue).join(' ')).to.include('Corrected');
    expect(bySop(resultUids.kos(c.alert.id)).SeriesInstanceUID, "its KOS in the result's KO series").to.equal(resultUids.kosSeries(r.alert.id));
  });

  it('waits out a PACS that is down and then stores the same instances', async () => {
    await h.part.start();
    const study = seedStudy(h.index, 'dicom-3');
    const r = h.part.outbox.enqueueForFinding(makeFinding(study));
    if (r.outcome !== 'created') throw new Error('not created');
    await eventually(() => deliveries()[0]!.attempts >= 2, 'two failed attempts');
    expect(deliveries()[0]).to.include({ state: 'pending', lastErrorCode: 'DICOM_PEER_UNAVAILABLE' });
    await pacs.start();
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', closedReason: 'SR stored' });
    expect(received().map((x) => x.SOPInstanceUID)).to.deep.equal([resultUids.sr(r.alert.id, 'alert')]);
  });
});

describe('alerts/channels/dicom: DICOM over TLS (storescp +tls)', function () {
  this.timeout(30_000);
  const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/tls');
  let pacs: StoreScp;
  let h: AlertsHarness;

  beforeEach(async function () {
    requireTool(this, 'storescp', 'dcmtk');
    pacs = new StoreScp(await freePort(), 'PACS', { keyFile: path.join(tlsDir, 'peer-key.pem'), certFile: path.join(tlsDir, 'peer-cert.pem') });
    await pacs.start();
  });
  afterEach(async () => {
    await h?.dispose();
    await pacs?.dispose();
  });

  const destination = (tls: Record<string, string>) => ({
    id: 'pacs',
    type: 'dicom' as const,
    host: '127.0.0.1',
    port: pacs.port,
    aeTitle: 'PACS',
    tls,
    timeoutMs: 5000,
  });

  it('stores the SR over TLS when the PACS certificate checks out against the configured CA, and refuses an unknown one', async () => {
    h = alertsHarness({ destinations: [destination({ caFile: path.join(tlsDir, 'peer-cert.pem') })] });
    expect(await h.part.checkDestination('pacs', 5000)).to.include({
      ok: true,
      detail: `C-ECHO over TLS from VIGIL to PACS at 127.0.0.1:${pacs.port} answered Success`,
    });
    await h.part.start();
    const r = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, 'dicom-tls')));
    if (r.outcome !== 'created') throw new Error('not created');
    await eventually(() => h.part.deliveries.ofAlert(r.alert.id)[0]?.state === 'delivered', 'delivered over TLS');
    expect(pacs.files().some((f) => f.endsWith(resultUids.sr(r.alert.id, 'alert')))).to.equal(true);
    await h.dispose();

    // The system's CAs do not know a self-signed test certificate: no association, nothing sent.
    h = alertsHarness({ destinations: [destination({})] });
    expect(await h.part.checkDestination('pacs', 5000)).to.include({ ok: false, code: 'DICOM_PEER_UNAVAILABLE' });
  });
});

describe('alerts/channels/dicom: configuration and C-STORE statuses', () => {
  it('a bad DICOM destination in the config file is refused with the path of each problem', () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'vigil.yaml');
      const pacs = { id: 'pacs', type: 'dicom', host: 'pacs.example.org', port: 70000, aeTitle: 'A_CALLED_AE_TITLE_TOO_LONG', send: ['sr', 'pdf'] };
      const twice = { id: 'pacs-2', type: 'dicom', host: 'pacs.example.org', port: 104, aeTitle: 'PACS', send: ['sr', 'seg', 'sr'], segmentation: 'graded' };
      fs.writeFileSync(file, YAML.stringify({ alerts: { destinations: [pacs, twice] } }));
      const err = (() => {
        try {
          loadConfig({ cwd: dir, env: { VIGIL_CONFIG: file } });
        } catch (e) {
          return e as VigilError;
        }
        throw new Error('expected the configuration to be refused');
      })();
      const problems = err.extra!.problems as { path: string; message: string }[];
      expect(problems.map((p) => p.path)).to.have.members([
        'alerts.destinations.0.port',
        'alerts.destinations.0.aeTitle',
        'alerts.destinations.0.send.1',
        'alerts.destinations.1.send',
        'alerts.destinations.1.segmentation',
      ]);
      expect(problems.find((p) => p.path === 'alerts.destinations.1.segmentation')!.message)
        .to.include('binary')
        .and.include('fractional');
    } finally {
      removeDir(dir);
    }
  });

  it('a DICOM destination sends binary SEGs unless it asks for fractional ones', () => {
    const pacs = { id: 'pacs', type: 'dicom', host: 'pacs.example.org', port: 104, aeTitle: 'PACS' };
    expect(dicomDestination.parse(pacs).segmentation).to.equal('binary');
    expect(dicomDestination.parse({ ...pacs, segmentation: 'fractional' }).segmentation).to.equal('fractional');
  });

  it('reads a C-STORE status: out of resources is retried, any other refusal is a dead letter', () => {
    const dest = { aeTitle: 'PACS', host: '127.0.0.1', port: 104 } as Parameters<typeof storeFailure>[2];
    expect(storeFailure('SR', 0xa700, dest)).to.include({ code: 'ALERT_DICOM_BUSY' });
    expect(storeFailure('SR', 0xa900, dest)).to.include({ code: 'ALERT_DICOM_REFUSED', message: 'PACS at 127.0.0.1:104 refused the SR with status 0xa900' });
    expect(storeFailure('SC', 0x0122, dest)).to.include({ code: 'ALERT_DICOM_REFUSED' });
    expect(storeFailure('SC', undefined, dest)).to.include({ code: 'ALERT_DICOM_NO_RESPONSE' });
  });
});
