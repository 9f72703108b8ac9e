import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { resultUids } from '../../../src/alerts/channels/dicom/result-uids.js';
import type { Delivery } from '../../../src/alerts/model.js';
import { StorageSopClass } from '../../../src/dicom/data/uids.js';
import type { Finding } from '../../../src/domain/finding.js';
import { localisationOf, type Localisation } from '../../../src/triage/localisation.js';
import { manifestSchema } from '../../../src/triage/manifest.js';
import { preprocessSeries } from '../../../src/triage/pipeline/preprocess.js';
import { encodePng } from '../../../src/triage/png.js';
import { storescu } from '../../helpers/dcmtk.js';
import { uidFor, writeSeries } from '../../helpers/dicom-fixtures.js';
import { eventually } from '../../helpers/eventually.js';
import { makeFinding } from '../../helpers/findings.js';
import { radiographManifest, volumeManifest } from '../../helpers/manifests.js';
import { writeRadiograph } from '../../helpers/pixel-fixtures.js';
import { writeEnhancedCt } from '../../helpers/dicom-objects.js';
import { freePort, StoreScp } from '../../helpers/storescp.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { dciodvfyReport } from '../../phantom/phantom-helpers.js';

type Item = Record<string, unknown> & { ContentSequence?: Item[] };

/** A 2 × 4 × 4 map: 0.9 in its two left columns, 0.55 (under the test findings' threshold, 0.62) in the third, 0.05 in the fourth. */
function hotLeftMap(): Float32Array {
  return new Float32Array(32).map((_, i) => [0.9, 0.9, 0.55, 0.05][i % 4]!);
}

const SLICES = 6;
const SIZE = 32;

function readDataset(file: string): Item {
  const bytes = fs.readFileSync(file);
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
}

const first = (item: Item, key: string) => (item[key] as Item[] | undefined)?.[0];
const meaning = (item: Item, key: string) => (first(item, key)?.CodeMeaning as string | undefined) ?? '';
const byName = (items: Item[], name: string) => items.filter((i) => meaning(i, 'ConceptNameCodeSequence') === name);
/** Pixel i of a BINARY SEG's pixel data, 1 bit a pixel, the first in the least significant bit (PS3.5 8.1.1). */
const bitAt = (pixels: Uint8Array, i: number) => (pixels[i >> 3]! >> (i & 7)) & 1;
const binarySeg = (alertId: string) => resultUids.seg(alertId, 'binary');

/**
 * The IHE AI Results set end to end: a CT series pushed into a real node with storescu, a finding
 * on it whose localisation map the real pipeline placed on the source slices, delivered to a PACS
 * (DCMTK storescp) as a TID 1500 SR, a SEG and a KOS that dciodvfy passes, kept in the node (seen
 * through QIDO-RS) and never routed to a model.
 */
describe('alerts/channels/dicom: IHE AI Results (TID 1500 SR, SEG, KOS) from a node to a PACS', function () {
  this.timeout(60_000);
  let pacs: StoreScp;
  /** A second PACS that takes fractional SEGs, of one model's findings only (the last test's). */
  let probabilities: StoreScp;
  let node: TestNode;
  let work: string;
  let dciodvfy: string;
  let files: string[];
  const study = uidFor('air/study');
  const series = uidFor('air/series');

  before(async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'storescp', 'dcmtk');
    dciodvfy = requireTool(this, 'dciodvfy', 'dicom3tools');
    work = makeTempDir();
    pacs = new StoreScp(await freePort());
    await pacs.start();
    probabilities = new StoreScp(await freePort(), 'PROBS');
    await probabilities.start();
    node = await startTestNode({
      series: { idleSeconds: 1 },
      alerts: {
        destinations: [
          { id: 'pacs', type: 'dicom', host: '127.0.0.1', port: pacs.port, aeTitle: 'PACS', when: { criticalOnly: false } },
          {
            id: 'probabilities',
            type: 'dicom',
            host: '127.0.0.1',
            port: probabilities.port,
            aeTitle: 'PROBS',
            send: ['seg'],
            segmentation: 'fractional',
            when: { criticalOnly: false, models: ['stroke-graded'] },
          },
        ],
        delivery: { backoff: { initialMs: 10, maxMs: 40 } },
      },
    });
    files = writeSeries(path.join(work, 'ct'), { seed: 'air', slices: SLICES, rows: SIZE, columns: SIZE });
    const stored = await storescu(node.dicom.port, files);
    expect(stored.code, stored.stderr).to.equal(0);
  });
  after(async () => {
    await node?.dispose();
    await pacs?.dispose();
    await probabilities?.dispose();
    if (work) removeDir(work);
  });

  const received = () => pacs.files().map((f) => ({ file: path.join(pacs.dir, f), data: readDataset(path.join(pacs.dir, f)) }));
  const bySop = (uid: string) => received().find((r) => r.data.SOPInstanceUID === uid)!;
  const deliveries = (): Delivery[] => node.alerts.deliveries.list({ limit: 100 });
  const settled = () =>
    eventually(() => (deliveries().length > 0 && deliveries().every((d) => d.state !== 'pending') ? deliveries() : undefined), 'deliveries settled', 30_000);

  /** A finding on the pushed series, its map placed on the stored files by the pipeline, recorded as triage records one. */
  async function recordFinding(overrides: Partial<Finding>, map: Float32Array, mapShape: number[]): Promise<{ finding: Finding; localisation: Localisation }> {
    const instances = await eventually(() => {
      const all = node.index.instancesUnder('series', seriesOf());
      return all.length === SLICES ? all : undefined;
    }, 'the series indexed');
    const manifest = manifestSchema.parse(volumeManifest());
    const pre = await preprocessSeries(
      instances.map((i) => node.files.absolutePath(i.filePath)),
      manifest,
    );
    const placed = localisationOf(pre, map, mapShape);
    const localisation = { ...placed, images: placed.images.map((image) => ({ ...image, instanceId: instances[image.file]!.id })) };
    const key = instances[placed.images[2]!.file]!;
    const finding = makeFinding(
      {
        studyId: node.index.getResource('series', key.seriesId)!.parentId!,
        seriesId: key.seriesId,
        studyInstanceUid: study,
        seriesInstanceUid: series,
        accessionNumber: 'ACC-AIR',
      },
      { keyInstanceId: key.id, hasKeyImage: true, findingSite: { system: 'http://snomed.info/sct', code: '12738006', display: 'Brain' }, ...overrides },
    );
    const stored = node.triage.findings.record(finding, encodePng(4, 4, new Uint8Array(48).fill(90)), () => true, { localisation, map });
    expect(stored).to.equal(true);
    return { finding, localisation };
  }
  function seriesOf(): string {
    return node.index.instanceBySopInstanceUid(uidFor('air/instance/0'))?.seriesId ?? '';
  }

  it('sends a TID 1500 SR, a SEG on the source slices and a KOS of the key image; dciodvfy finds no error; dcmjs reads them back', async () => {
    // A 2 × 4 × 4 map, hot in its two left columns, warm but under the operating threshold (0.62)
    // in the third: the binary SEG is in on the left half of every source slice, out on the right.
    const map = hotLeftMap();
    const { finding, localisation } = await recordFinding({}, map, [2, 4, 4]);
    const [delivery] = await settled();
    const alertId = delivery!.alertId;
    expect(delivery).to.include({ state: 'delivered', stepsDone: 3, closedReason: 'SR and SEG and KOS stored' });

    for (const r of received()) {
      const report = dciodvfyReport(dciodvfy, r.file);
      expect(report, `${String(r.data.Modality)}:\n${report}`).to.not.match(/^Error/m);
    }

    // The SR, read back: finding, present, probability with its unit, algorithm, device, tracking, site, key image.
    const sr = bySop(resultUids.sr(alertId, 'alert')).data;
    expect(sr).to.include({
      SOPClassUID: StorageSopClass.ComprehensiveSr,
      Modality: 'SR',
      StudyInstanceUID: study,
      PreliminaryFlag: 'FINAL',
      CompletionFlag: 'COMPLETE',
      VerificationFlag: 'UNVERIFIED',
    });
    expect(meaning(sr, 'ConceptNameCodeSequence')).to.equal('Imaging Measurement Report');
    expect(first(sr, 'ContentTemplateSequence')).to.include({ TemplateIdentifier: '1500' });
    const root = sr.ContentSequence!;
    expect(byName(root, 'Device Observer UID')[0]!.UID).to.equal(finding.deviceUid);
    const library = byName(root, 'Image Library')[0]!.ContentSequence![0]!.ContentSequence!;
    expect(first(library[0]!, 'ReferencedSOPSequence')!.ReferencedSOPInstanceUID).to.equal(node.index.getInstance(finding.keyInstanceId!)!.sopInstanceUid);
    const group = byName(root, 'Imaging Measurements')[0]!.ContentSequence![0]!;
    expect(meaning(group, 'ConceptNameCodeSequence')).to.equal('Measurement Group');
    const items = group.ContentSequence!;
    expect(meaning(byName(items, 'Finding')[0]!, 'ConceptCodeSequence')).to.equal('Hemorrhage');
    expect(meaning(byName(items, 'Finding Site')[0]!, 'ConceptCodeSequence')).to.equal('Brain');
    expect(meaning(byName(items, 'Hemorrhage')[0]!, 'ConceptCodeSequence')).to.equal('Present');
    const probability = first(byName(items, 'AI probability')[0]!, 'MeasuredValueSequence')!;
    expect(probability.NumericValue).to.equal(0.93);
    expect(first(probability, 'MeasurementUnitsCodeSequence')).to.include({ CodeValue: '1', CodingSchemeDesignator: 'UCUM' });
    expect(byName(items, 'Algorithm Name')[0]!.TextValue).to.equal('stroke');
    expect(byName(items, 'Algorithm Version')[0]!.TextValue).to.equal('1.0.0');
    expect(byName(items, 'Tracking Unique Identifier')[0]!.UID).to.match(/^2\.25\./);

    // The SEG: one frame per source slice the map covers, on that slice's geometry, naming it.
    const seg = bySop(binarySeg(alertId)).data;
    const sources = localisation.images.map((image) => readDataset(node.files.absolutePath(node.index.getInstance(image.instanceId!)!.filePath)));
    // The test model's grid is 4 slices of 5 mm, centred on a stack of 6 at 5 mm: the middle 4 carry the map.
    expect(
      sources.map((s) => s.SOPInstanceUID),
      'slices the map covers',
    ).to.deep.equal([1, 2, 3, 4].map((i) => uidFor(`air/instance/${i}`)));
    expect(seg).to.include({
      SOPClassUID: StorageSopClass.Segmentation,
      Modality: 'SEG',
      SegmentationType: 'BINARY',
      BitsAllocated: 1,
      BitsStored: 1,
      HighBit: 0,
      Rows: SIZE,
      Columns: SIZE,
      StudyInstanceUID: study,
    });
    expect(seg).to.not.have.any.keys('SegmentationFractionalType', 'MaximumFractionalValue');
    expect(Number(seg.NumberOfFrames)).to.equal(sources.length);
    expect(seg.FrameOfReferenceUID).to.equal(sources[0]!.FrameOfReferenceUID);
    const shared = first(seg, 'SharedFunctionalGroupsSequence')!;
    expect(first(shared, 'PlaneOrientationSequence')!.ImageOrientationPatient).to.deep.equal(sources[0]!.ImageOrientationPatient);
    expect(first(shared, 'PixelMeasuresSequence')!.PixelSpacing).to.deep.equal(sources[0]!.PixelSpacing);
    const segment = first(seg, 'SegmentSequence')!;
    expect(meaning(segment, 'SegmentedPropertyTypeCodeSequence')).to.equal('Hemorrhage');
    expect(segment.SegmentDescription).to.equal(
      'Region where the local score of model stroke 1.0.0 reaches its operating threshold 0.62: where its result points, not a delineation',
    );
    const frames = seg.PerFrameFunctionalGroupsSequence as Item[];
    const pixels = new Uint8Array((seg.PixelData as ArrayBuffer[])[0]!);
    // 1 bit a pixel, the frames back to back, padded to an even length.
    const packed = Math.ceil((frames.length * SIZE * SIZE) / 8);
    expect(pixels.length).to.equal(packed + (packed % 2));
    frames.forEach((frame, k) => {
      expect(first(frame, 'PlanePositionSequence')!.ImagePositionPatient, `frame ${k + 1} position`).to.deep.equal(sources[k]!.ImagePositionPatient);
      const source = first(first(frame, 'DerivationImageSequence')!, 'SourceImageSequence')!;
      expect(source, `frame ${k + 1} source`).to.include({
        ReferencedSOPInstanceUID: sources[k]!.SOPInstanceUID,
        ReferencedSOPClassUID: sources[k]!.SOPClassUID,
      });
      // Every row the same: in from the left edge to the half-way line between the hot and warm map columns, out after.
      for (let r = 0; r < SIZE; r++) {
        const row = Array.from({ length: SIZE }, (_, c) => bitAt(pixels, k * SIZE * SIZE + r * SIZE + c));
        expect(row.join(''), `frame ${k + 1} row ${r}`).to.equal('1'.repeat(SIZE / 2) + '0'.repeat(SIZE / 2));
      }
    });
    const referenced = first(seg, 'ReferencedSeriesSequence')!;
    expect(referenced.SeriesInstanceUID).to.equal(series);
    expect((referenced.ReferencedInstanceSequence as Item[]).map((i) => i.ReferencedSOPInstanceUID)).to.have.members(sources.map((s) => s.SOPInstanceUID));

    // The KOS: the key image, in the study.
    const kos = bySop(resultUids.kos(alertId)).data;
    expect(kos).to.include({ SOPClassUID: StorageSopClass.KeyObjectSelection, Modality: 'KO', StudyInstanceUID: study });
    const image = kos.ContentSequence!.find((i) => i.ValueType === 'IMAGE')!;
    expect(first(image, 'ReferencedSOPSequence')!.ReferencedSOPInstanceUID).to.equal(node.index.getInstance(finding.keyInstanceId!)!.sopInstanceUid);
  });

  it('keeps the results in the node: QIDO-RS lists the SR, SEG and KO series in the study, and none of them is routed to a model', async () => {
    const token = await node.tokenFor('service');
    const answer = await fetch(`http://127.0.0.1:${node.http.port}/dicom-web/studies/${study}/series`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/dicom+json' },
    });
    expect(answer.status).to.equal(200);
    const listed = (await answer.json()) as Record<string, { Value?: unknown[] }>[];
    expect(listed.map((s) => s['00080060']!.Value![0]).sort()).to.deep.equal(['CT', 'KO', 'SEG', 'SR']);
    // Each of the three result series completes and is turned away by routing.
    const notRouted = () => node.logs.lines.filter((line) => line.includes("series of the node's own AI results: not routed")).length;
    await eventually(() => notRouted() >= 3, 'the result series declared stable and not routed', 20_000);
    expect(node.logs.text()).to.not.include('DOE^JANE');
  });

  it('makes the SEG of a radiograph one frame on the image itself, naming it; dciodvfy finds no error', async () => {
    const file = writeRadiograph(path.join(work, 'dx', 'dx.dcm'), { rows: 40, columns: 48, value: (r) => 100 + r, pixelSpacing: [0.5, 0.5], seed: 'air-dx' });
    const stored = await storescu(node.dicom.port, [file]);
    expect(stored.code, stored.stderr).to.equal(0);
    const instance = await eventually(() => node.index.instanceBySopInstanceUid(uidFor('air-dx/instance')), 'the radiograph indexed');
    const manifest = manifestSchema.parse(radiographManifest());
    const pre = await preprocessSeries([node.files.absolutePath(instance.filePath)], manifest);
    const map = new Float32Array(16).map((_, i) => (i % 4 < 2 ? 0.8 : 0));
    const placed = localisationOf(pre, map, [4, 4]);
    const localisation = { ...placed, images: placed.images.map((image) => ({ ...image, instanceId: instance.id })) };
    const studyId = node.index.getResource('series', instance.seriesId)!.parentId!;
    const finding = makeFinding(
      { studyId, seriesId: instance.seriesId, studyInstanceUid: uidFor('air-dx/study'), seriesInstanceUid: uidFor('air-dx/series'), accessionNumber: 'ACC-DX' },
      {
        modelId: 'pneumothorax',
        keyInstanceId: instance.id,
        hasKeyImage: true,
        concept: { system: 'http://snomed.info/sct', code: '36118008', display: 'Pneumothorax' },
      },
    );
    expect(node.triage.findings.record(finding, encodePng(4, 4, new Uint8Array(48)), () => true, { localisation, map })).to.equal(true);
    const delivery = await eventually(
      () => node.alerts.deliveries.list({ limit: 100 }).find((d) => d.state === 'delivered' && node.alerts.alerts.get(d.alertId)?.finding.id === finding.id),
      'the radiograph results delivered',
      30_000,
    );
    const seg = bySop(binarySeg(delivery.alertId));
    const report = dciodvfyReport(dciodvfy, seg.file);
    expect(report, report).to.not.match(/^Error/m);
    expect(seg.data).to.include({ Rows: 40, Columns: 48, NumberOfFrames: 1, SegmentationType: 'BINARY' });
    const frame = (seg.data.PerFrameFunctionalGroupsSequence as Item[])[0]!;
    expect(first(first(frame, 'DerivationImageSequence')!, 'SourceImageSequence')).to.include({ ReferencedSOPInstanceUID: uidFor('air-dx/instance') });
    const pixels = new Uint8Array((seg.data.PixelData as ArrayBuffer[])[0]!);
    expect(pixels.length, '40 × 48 bits').to.equal(240);
    expect(bitAt(pixels, 0), 'left: in').to.equal(1);
    expect(bitAt(pixels, 47), 'right: out').to.equal(0);
  });

  it('names each frame of a multi-frame source (Enhanced CT) in the SEG; dciodvfy finds no error', async () => {
    const file = writeEnhancedCt(path.join(work, 'enhanced', 'ct.dcm'), 4, 32);
    const stored = await storescu(node.dicom.port, [file]);
    expect(stored.code, stored.stderr).to.equal(0);
    const sopInstanceUid = readDataset(file).SOPInstanceUID as string;
    const instance = await eventually(() => node.index.instanceBySopInstanceUid(sopInstanceUid), 'the enhanced CT indexed');
    const manifest = manifestSchema.parse(
      volumeManifest({
        input: {
          kind: 'volume',
          name: 'input',
          dtype: 'float32',
          layout: 'NCDHW',
          grid: { depth: 4, rows: 16, columns: 16 },
          spacingMm: [1, 1, 1],
          channels: [{ kind: 'window', name: 'brain', center: 40, width: 80 }],
        },
      }),
    );
    const pre = await preprocessSeries([node.files.absolutePath(instance.filePath)], manifest);
    const map = new Float32Array(64).fill(0.8);
    const placed = localisationOf(pre, map, [4, 4, 4]);
    const localisation = { ...placed, images: placed.images.map((image) => ({ ...image, instanceId: instance.id })) };
    const studyId = node.index.getResource('series', instance.seriesId)!.parentId!;
    const finding = makeFinding(
      {
        studyId,
        seriesId: instance.seriesId,
        studyInstanceUid: readDataset(file).StudyInstanceUID as string,
        seriesInstanceUid: readDataset(file).SeriesInstanceUID as string,
        accessionNumber: 'ACC-EN',
      },
      { modelId: 'enhanced', keyInstanceId: instance.id, keyFrameNumber: 2, hasKeyImage: true },
    );
    expect(node.triage.findings.record(finding, encodePng(4, 4, new Uint8Array(48)), () => true, { localisation, map })).to.equal(true);
    const delivery = await eventually(
      () => node.alerts.deliveries.list({ limit: 100 }).find((d) => d.state === 'delivered' && node.alerts.alerts.get(d.alertId)?.finding.id === finding.id),
      'the enhanced CT results delivered',
      30_000,
    );
    const seg = bySop(binarySeg(delivery.alertId));
    const report = dciodvfyReport(dciodvfy, seg.file);
    expect(report, report).to.not.match(/^Error/m);
    const frames = seg.data.PerFrameFunctionalGroupsSequence as Item[];
    const sources = frames.map((frame) => first(first(frame, 'DerivationImageSequence')!, 'SourceImageSequence')!);
    expect(sources.map((source) => source.ReferencedSOPInstanceUID)).to.deep.equal([sopInstanceUid, sopInstanceUid, sopInstanceUid, sopInstanceUid]);
    expect(sources.map((source) => Number(source.ReferencedFrameNumber))).to.deep.equal([1, 2, 3, 4]);
  });

  it('a finding that kept no map (stored before maps were kept) gets the SR and KOS, and its delivery says why there is no SEG', async () => {
    const file = writeRadiograph(path.join(work, 'dx-old', 'dx.dcm'), { rows: 16, columns: 16, value: () => 100, pixelSpacing: [1, 1], seed: 'air-dx-old' });
    const stored = await storescu(node.dicom.port, [file]);
    expect(stored.code, stored.stderr).to.equal(0);
    const instance = await eventually(() => node.index.instanceBySopInstanceUid(uidFor('air-dx-old/instance')), 'the radiograph indexed');
    const studyId = node.index.getResource('series', instance.seriesId)!.parentId!;
    const finding = makeFinding(
      {
        studyId,
        seriesId: instance.seriesId,
        studyInstanceUid: uidFor('air-dx-old/study'),
        seriesInstanceUid: uidFor('air-dx-old/series'),
        accessionNumber: 'ACC-OLD',
      },
      { modelId: 'older', keyInstanceId: instance.id, hasKeyImage: true },
    );
    expect(node.triage.findings.record(finding, encodePng(4, 4, new Uint8Array(48)), () => true)).to.equal(true);
    const delivery = await eventually(
      () => node.alerts.deliveries.list({ limit: 100 }).find((d) => d.state === 'delivered' && node.alerts.alerts.get(d.alertId)?.finding.id === finding.id),
      'delivered',
      30_000,
    );
    expect(delivery).to.include({
      stepsDone: 3,
      closedReason: 'SR and KOS stored; no SEG (no localisation map to show, or its source images gone from the node)',
    });
    expect(received().some((r) => r.data.SOPInstanceUID === binarySeg(delivery.alertId))).to.equal(false);
    expect(bySop(resultUids.kos(delivery.alertId)).data.Modality).to.equal('KO');
  });

  it('leaves out of the SEG the slices where the segment is empty', async () => {
    // Plane 0 hot, plane 1 nothing: of the 4 slices the grid covers (at map planes -0.25, 0.25,
    // 0.75 and 1.25), the first two are nearer plane 0 and in, the last two nearer plane 1 and out.
    const map = new Float32Array(32).map((_, i) => (i < 16 ? 0.9 : 0));
    const { finding } = await recordFinding(
      { modelId: 'stroke-focal', modelVersion: '1.1.0', concept: { system: 'http://snomed.info/sct', code: '1386000', display: 'Intracranial hemorrhage' } },
      map,
      [2, 4, 4],
    );
    const delivery = await eventually(
      () => node.alerts.deliveries.list({ limit: 100 }).find((d) => d.state === 'delivered' && node.alerts.alerts.get(d.alertId)?.finding.id === finding.id),
      'delivered',
      30_000,
    );
    const seg = bySop(binarySeg(delivery.alertId));
    const report = dciodvfyReport(dciodvfy, seg.file);
    expect(report, report).to.not.match(/^Error/m);
    const frames = seg.data.PerFrameFunctionalGroupsSequence as Item[];
    const sources = frames.map((frame) => first(first(frame, 'DerivationImageSequence')!, 'SourceImageSequence')!.ReferencedSOPInstanceUID);
    expect(sources).to.deep.equal([1, 2].map((i) => uidFor(`air/instance/${i}`)));
    expect(frames.map((frame) => (first(frame, 'FrameContentSequence')!.DimensionIndexValues as number[])[1])).to.deep.equal([1, 2]);
  });

  it('sends the graded map as a FRACTIONAL SEG to a destination that asks for it, beside the binary one, under its own UID; dciodvfy finds no error', async () => {
    const { finding } = await recordFinding(
      { modelId: 'stroke-graded', concept: { system: 'http://snomed.info/sct', code: '432504007', display: 'Cerebral infarction' } },
      hotLeftMap(),
      [2, 4, 4],
    );
    const deliveredTo = (destination: string) =>
      eventually(
        () =>
          node.alerts.deliveries
            .list({ limit: 100 })
            .find((d) => d.destinationId === destination && d.state === 'delivered' && node.alerts.alerts.get(d.alertId)?.finding.id === finding.id),
        `delivered to ${destination}`,
        30_000,
      );
    const graded = await deliveredTo('probabilities');
    expect(graded).to.include({ stepsDone: 1, closedReason: 'SEG stored' });
    const [file] = probabilities.files().map((f) => path.join(probabilities.dir, f));
    const report = dciodvfyReport(dciodvfy, file!);
    expect(report, report).to.not.match(/^Error/m);
    const seg = readDataset(file!);
    expect(seg).to.include({
      SOPInstanceUID: resultUids.seg(graded.alertId, 'fractional'),
      SegmentationType: 'FRACTIONAL',
      SegmentationFractionalType: 'PROBABILITY',
      MaximumFractionalValue: 255,
      BitsAllocated: 8,
    });
    expect(first(seg, 'SegmentSequence')!.SegmentDescription).to.equal(
      'Localisation map of model stroke-graded 1.0.0 as probabilities: where its result points, not a delineation',
    );
    const pixels = new Uint8Array((seg.PixelData as ArrayBuffer[])[0]!);
    const frames = Number(seg.NumberOfFrames);
    expect(pixels.length).to.equal(frames * SIZE * SIZE);
    // Graded: hot on the left, the warm column under the threshold still there (it is not cut), the right edge cooler still.
    const row = Array.from(pixels.subarray(0, SIZE));
    expect(row[0]!, 'hot left').to.be.above(200);
    expect(
      row.some((v) => v > 120 && v < 160),
      'the warm column (0.55 is 140 of 255), graded',
    ).to.equal(true);
    expect(row[SIZE - 1]!, 'cooler right')
      .to.be.above(0)
      .and.below(100);
    // The first PACS had the binary SEG of the same alert: another instance.
    await deliveredTo('pacs');
    expect(bySop(binarySeg(graded.alertId)).data.SegmentationType).to.equal('BINARY');
    expect(binarySeg(graded.alertId)).to.not.equal(resultUids.seg(graded.alertId, 'fractional'));
    // In a series of its own, so a viewer lists the two apart.
    expect(seg.SeriesDescription).to.equal('AI localisation map, probabilities (Vigil, demonstrator)');
    expect(seg.SeriesInstanceUID).to.not.equal(bySop(binarySeg(graded.alertId)).data.SeriesInstanceUID);
  });
});
