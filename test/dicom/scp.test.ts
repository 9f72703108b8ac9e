import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { requireTool } from '../helpers/tools.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries, uidFor } from '../helpers/dicom-fixtures.js';
import { echoscu, runDcmtk, storescu, storeResponses } from '../helpers/dcmtk.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { writeBasicTextSr, writeCtWithLongHeader, writeEnhancedCt, writeJapaneseCt } from '../helpers/dicom-objects.js';
import { countFsyncs } from '../helpers/fsync-spy.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { DimseStatus } from '../../src/dicom/net/store-status.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';
import dimse from '../../src/dicom/net/dimse.js';

/** Pixel Data bytes of a Part 10 file, compared across sender and store. */
function tail(file: string, bytes: number): Buffer {
  const buf = fs.readFileSync(file);
  return buf.subarray(buf.length - bytes);
}

describe('dicom/scp: receiving from real peers', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;

  beforeEach(async () => {
    node = await startTestNode();
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('answers C-ECHO from DCMTK echoscu', async function () {
    requireTool(this, 'echoscu', 'dcmtk');
    const result = await echoscu(node.dicom.port);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout + result.stderr).to.match(/Received Echo Response \(Success\)/);
  });

  it('stores a series from storescu byte for byte, flushed and indexed before the response', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const files = writeSeries(work, { slices: 4 });
    let result!: Awaited<ReturnType<typeof storescu>>;
    const fsyncs = await countFsyncs(async () => {
      result = await storescu(node.dicom.port, files);
    });
    expect(storeResponses(result)).to.deep.equal({ success: 4, failed: 0 });
    expect(fsyncs, 'one fsync per instance').to.be.at.least(4);
    expect(node.index.count('instances')).to.equal(4);
    expect(node.index.count('series')).to.equal(1);
    const pixelBytes = 64 * 64 * 2;
    const byUid = new Map(files.map((f, i) => [uidFor(`series/instance/${i}`), f]));
    for (const row of node.index.allFilePaths()) {
      const instance = node.index.getInstance(row.id)!;
      const original = byUid.get(instance.sopInstanceUid)!;
      expect(tail(node.files.absolutePath(row.filePath), pixelBytes).equals(tail(original, pixelBytes))).to.equal(true);
      expect(instance.callingAeTitle).to.equal('STORESCU');
      expect(instance.transferSyntaxUid).to.equal(TransferSyntax.ExplicitVRLittleEndian);
    }
    expect(fs.readdirSync(node.files.tmpDir)).to.deep.equal([]);
  });

  it('accepts a re-sent instance without keeping a second copy', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const files = writeSeries(work, { slices: 2 });
    await storescu(node.dicom.port, files);
    const again = await storescu(node.dicom.port, files);
    expect(storeResponses(again)).to.deep.equal({ success: 2, failed: 0 });
    expect(node.index.count('instances')).to.equal(2);
    const onDisk = [...node.files.walk()];
    expect(onDisk).to.have.length(2);
  });

  for (const [tool, args, proposal, expected] of [
    ['dcmcjpeg', [], '-xs', TransferSyntax.JpegLosslessSV1],
    ['dcmcjpls', [], '-xt', TransferSyntax.JpegLsLossless],
    ['dcmcrle', [], '-xr', TransferSyntax.RleLossless],
  ] as const) {
    it(`stores ${tool} output as received (${expected})`, async function () {
      requireTool(this, tool, 'dcmtk');
      requireTool(this, 'storescu', 'dcmtk');
      const [plain] = writeSeries(work, { slices: 1, seed: tool });
      const compressed = path.join(work, `${tool}.dcm`);
      const conv = await runDcmtk(tool, [...args, plain!, compressed]);
      expect(conv.code, conv.stderr).to.equal(0);
      const result = await storescu(node.dicom.port, [compressed], { extra: ['-R', proposal] });
      expect(storeResponses(result), result.stdout + result.stderr).to.deep.equal({ success: 1, failed: 0 });
      const [row] = node.index.allFilePaths();
      const instance = node.index.getInstance(row!.id)!;
      expect(instance.transferSyntaxUid).to.equal(expected);
      // Stored as received: the data set after the meta header is the sender's, byte for byte.
      const sent = fs.readFileSync(compressed);
      const stored = fs.readFileSync(node.files.absolutePath(instance.filePath));
      const sentBody = sent.subarray(132 + 12 + sent.readUInt32LE(140));
      const storedBody = stored.subarray(132 + 12 + stored.readUInt32LE(140));
      expect(storedBody.equals(sentBody)).to.equal(true);
    });
  }

  it('stores JPEG 2000 (gdcmconv --j2k) as received', async function () {
    requireTool(this, 'gdcmconv', 'libgdcm-tools');
    requireTool(this, 'storescu', 'dcmtk');
    const [plain] = writeSeries(work, { slices: 1, seed: 'j2k' });
    const compressed = path.join(work, 'j2k.dcm');
    const conv = await runDcmtk('gdcmconv', ['--j2k', plain!, compressed]);
    expect(conv.code, conv.stderr).to.equal(0);
    const result = await storescu(node.dicom.port, [compressed], { extra: ['-R', '-xv'] });
    expect(storeResponses(result), result.stdout + result.stderr).to.deep.equal({ success: 1, failed: 0 });
    const [row] = node.index.allFilePaths();
    expect(node.index.getInstance(row!.id)!.transferSyntaxUid).to.equal(TransferSyntax.Jpeg2000Lossless);
  });

  it("honours the sender's transfer syntax preference", async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const [file] = writeSeries(work, { slices: 1, seed: 'implicit' });
    // storescu offers implicit VR only, so it converts the explicit VR file on the way.
    const result = await storescu(node.dicom.port, [file!], { extra: ['-xi'] });
    expect(storeResponses(result).success).to.equal(1);
    const [row] = node.index.allFilePaths();
    expect(node.index.getInstance(row!.id)!.transferSyntaxUid).to.equal(TransferSyntax.ImplicitVRLittleEndian);
  });

  it('serves four parallel associations', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const batches = [0, 1, 2, 3].map((i) => writeSeries(path.join(work, `s${i}`), { slices: 5, seed: `parallel-${i}` }));
    const results = await Promise.all(batches.map((files) => storescu(node.dicom.port, files)));
    for (const r of results) expect(storeResponses(r)).to.deep.equal({ success: 5, failed: 0 });
    expect(node.index.count('instances')).to.equal(20);
    expect(node.index.count('series')).to.equal(4);
  });

  it('stores an enhanced multi-frame CT and a structured report (no pixels)', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const enhanced = writeEnhancedCt(path.join(work, 'enhanced.dcm'));
    const report = writeBasicTextSr(path.join(work, 'report.dcm'));
    const result = await storescu(node.dicom.port, [enhanced, report]);
    expect(storeResponses(result), result.stdout + result.stderr).to.deep.equal({ success: 2, failed: 0 });
    const classes = node.index.allFilePaths().map((r) => node.index.getInstance(r.id)!);
    expect(classes.map((i) => i.sopClassUid).sort()).to.deep.equal(['1.2.840.10008.5.1.4.1.1.2.1', '1.2.840.10008.5.1.4.1.1.88.11']);
    expect(classes.find((i) => i.sopClassUid.endsWith('.2.1'))!.mainTags).to.include({ NumberOfFrames: '4' });
  });

  it('stores a header longer than the bytes kept in memory, and one in ISO 2022 character sets', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const long = writeCtWithLongHeader(path.join(work, 'long.dcm'));
    const japanese = writeJapaneseCt(path.join(work, 'japanese.dcm'));
    expect(fs.statSync(long).size).to.be.above(100_000);
    const result = await storescu(node.dicom.port, [long, japanese]);
    expect(storeResponses(result), result.stdout + result.stderr).to.deep.equal({ success: 2, failed: 0 });
    const stored = node.index.allFilePaths().map((r) => ({ row: r, instance: node.index.getInstance(r.id)! }));
    const longRow = stored.find((s) => s.instance.mainTags.Rows === '32')!;
    expect(longRow.instance.mainTags).to.include({ Columns: '32', PhotometricInterpretation: 'MONOCHROME2' });
    expect(tail(node.files.absolutePath(longRow.row.filePath), 32 * 32 * 2).equals(tail(long, 32 * 32 * 2))).to.equal(true);
    expect(
      stored.find((s) => s.instance.mainTags.Rows === '8'),
      'the ISO 2022 instance',
    ).to.not.equal(undefined);
  });

  it('stores from a dcmjs-dimse client', async () => {
    const [file] = writeSeries(work, { slices: 1, seed: 'dimse-client' });
    const dataset = dimse.Dataset.fromFile(file!);
    const sent = await sendWithDimseClient(node.dicom.port, dataset!.getElements());
    expect(sent.status).to.equal(DimseStatus.Success);
    expect(node.index.count('instances')).to.equal(1);
  });
});

describe('dicom/scp: association policy', function () {
  this.timeout(30_000);
  let node: TestNode | undefined;
  afterEach(async () => {
    await node?.dispose();
    node = undefined;
  });

  it('rejects a called AE title that is not ours (permanent, called AE not recognized)', async function () {
    requireTool(this, 'echoscu', 'dcmtk');
    node = await startTestNode();
    const result = await echoscu(node.dicom.port, { calledAe: 'SOMEONE' });
    expect(result.code).to.not.equal(0);
    expect(result.stdout + result.stderr).to.match(/Called AE Title Not Recognized/i);
  });

  it('rejects an unknown calling AE when only known modalities may store', async function () {
    requireTool(this, 'echoscu', 'dcmtk');
    node = await startTestNode({ dicom: { acceptUnknownModalities: false, modalities: [{ aeTitle: 'CT1', host: '127.0.0.1' }] } });
    const refused = await echoscu(node.dicom.port, { callingAe: 'INTRUDER' });
    expect(refused.stdout + refused.stderr).to.match(/Calling AE Title Not Recognized/i);
    const known = await echoscu(node.dicom.port, { callingAe: 'CT1' });
    expect(known.code, known.stderr).to.equal(0);
  });

  it('rejects a known AE title calling from another host', async function () {
    requireTool(this, 'echoscu', 'dcmtk');
    node = await startTestNode({ dicom: { acceptUnknownModalities: false, modalities: [{ aeTitle: 'CT1', host: '10.9.9.9' }] } });
    const refused = await echoscu(node.dicom.port, { callingAe: 'CT1' });
    expect(refused.stdout + refused.stderr).to.match(/Calling AE Title Not Recognized/i);
  });

  it('rejects past the association limit as transient, local limit exceeded', async () => {
    node = await startTestNode({ dicom: { maxAssociations: 1 } });
    // Hold one association open with a client that never releases it.
    const holder = new dimse.Client();
    holder.addRequest(new dimse.requests.CEchoRequest());
    const held = new Promise<void>((resolve) => holder.on('associationAccepted', () => resolve()));
    holder.send('127.0.0.1', node.dicom.port, 'HOLDER', 'VIGIL', { associationLingerTimeout: 3000 });
    await held;
    const second = await sendWithDimseClient(node.dicom.port, { SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: '1.2.3' });
    expect(second.rejected).to.deep.equal({
      result: dimse.constants.RejectResult.Transient,
      source: dimse.constants.RejectSource.ServiceProviderPresentation,
      reason: dimse.constants.RejectReason.LocalLimitExceeded,
    });
  });

  it('closes a connection that never asks for an association (association timeout)', async () => {
    node = await startTestNode({ dicom: { timeouts: { associationMs: 1000 } } });
    const net = await import('node:net');
    const socket = net.connect(node.dicom.port, '127.0.0.1');
    const closedAt = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    expect(closedAt).to.be.a('number');
    expect(node.dicom.activeAssociations).to.equal(0);
  });

  it('refuses a SOP class that is not configured (no presentation context)', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    node = await startTestNode({ dicom: { storageSopClasses: ['1.2.840.10008.5.1.4.1.1.2'] } });
    const work = makeTempDir();
    try {
      const files = writeSeries(work, { slices: 1, modality: 'MR', seed: 'mr' });
      const result = await storescu(node.dicom.port, files, { extra: ['-R'] });
      expect(result.code).to.not.equal(0);
      expect(result.stdout + result.stderr).to.match(/no presentation context|not supported|No acceptable Presentation Contexts/i);
      expect(node.index.count('instances')).to.equal(0);
    } finally {
      removeDir(work);
    }
  });
});
