import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';
import { encodeCommand } from '../../src/dicom/net/command-set.js';
import { pdataPdu } from '../../src/dicom/net/pdata-tf.js';
import { associateRequestPdu } from '../helpers/raw-association.js';
import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { cuttingProxy, datasetBytes } from '../helpers/dicom-bytes.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { DimseStatus } from '../../src/dicom/net/store-status.js';
import dimse from '../../src/dicom/net/dimse.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';

/**
 * The dcmjs-dimse client proposes implicit VR first and would transcode our raw bytes; a node
 * that accepts explicit VR only makes it send them untouched (dcmjs writes explicit VR).
 */
const EXPLICIT_ONLY = { dicom: { transferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian] } };

/** The command fields a C-STORE needs, taken from a fixture file. */
function commandOf(file: string): { SOPClassUID: string; SOPInstanceUID: string } {
  const elements = dimse.Dataset.fromFile(file)!.getElements() as { SOPClassUID: string; SOPInstanceUID: string };
  return { SOPClassUID: elements.SOPClassUID, SOPInstanceUID: elements.SOPInstanceUID };
}

/** Re-encodes a fixture without some attributes (explicit VR little endian data set bytes). */
function bodyWithout(file: string, ...keywords: string[]): Buffer {
  const buf = fs.readFileSync(file);
  const message = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict);
  for (const k of keywords) delete dataset[k];
  const copy = path.join(path.dirname(file), `without-${keywords.join('-')}.dcm`);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.meta);
  fs.writeFileSync(copy, Buffer.from(dcmjs.data.datasetToDict({ ...dataset, _meta: meta }).write()));
  return datasetBytes(copy);
}

function assertNothingStored(node: TestNode): void {
  expect(node.index.count('instances')).to.equal(0);
  expect([...node.files.walk()]).to.deep.equal([]);
  expect(fs.readdirSync(node.files.tmpDir)).to.deep.equal([]);
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('dicom/scp: bad input and faults leave nothing half-stored', function () {
  this.timeout(30_000);
  let node: TestNode;
  let work: string;
  let file: string;

  beforeEach(async () => {
    node = await startTestNode(EXPLICIT_ONLY);
    work = makeTempDir();
    [file] = writeSeries(work, { slices: 1, seed: 'bad-input' }) as [string];
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('refuses a data set cut short inside its pixels (0xC001)', async () => {
    const body = datasetBytes(file);
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: body.subarray(0, body.length - 1000) });
    expect(sent.status).to.equal(DimseStatus.CannotUnderstandTruncated);
    expect(sent.errorComment).to.match(/ends early/);
    assertNothingStored(node);
  });

  it('refuses garbage bytes (0xC000)', async () => {
    const garbage = crypto.randomBytes(4096);
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: garbage });
    expect(sent.status).to.equal(DimseStatus.CannotUnderstand);
    assertNothingStored(node);
  });

  it('refuses a data set without SOP Instance UID (0xC002)', async () => {
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: bodyWithout(file, 'SOPInstanceUID') });
    expect(sent.status).to.equal(DimseStatus.CannotUnderstandMissingAttribute);
    expect(sent.errorComment).to.match(/SOPInstanceUID/);
    assertNothingStored(node);
  });

  it('refuses a data set without Series Instance UID (0xC002)', async () => {
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: bodyWithout(file, 'SeriesInstanceUID') });
    expect(sent.status).to.equal(DimseStatus.CannotUnderstandMissingAttribute);
    assertNothingStored(node);
  });

  it("refuses a data set whose SOP Instance UID is not the command's (0xC003)", async () => {
    const command = { ...commandOf(file), SOPInstanceUID: '1.2.3.4.5.6.7' };
    const sent = await sendWithDimseClient(node.dicom.port, command, { rawBytes: datasetBytes(file) });
    expect(sent.status, sent.errorComment).to.equal(DimseStatus.CannotUnderstandUidMismatch);
    assertNothingStored(node);
  });

  it('refuses a data set of another SOP class than the command (0xA900)', async () => {
    // The command says MR; the data set is a CT image.
    const command = { ...commandOf(file), SOPClassUID: '1.2.840.10008.5.1.4.1.1.4' };
    const sent = await sendWithDimseClient(node.dicom.port, command, { rawBytes: datasetBytes(file) });
    expect(sent.status).to.equal(DimseStatus.DataSetDoesNotMatchSopClass);
    assertNothingStored(node);
  });

  it('answers out of resources (0xA700) when the store cannot be written', async () => {
    // Replace the temp folder by a file: every open fails with a real system error (ENOTDIR).
    fs.rmSync(node.files.tmpDir, { recursive: true });
    fs.writeFileSync(node.files.tmpDir, 'not a folder');
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
    expect(sent.status).to.equal(DimseStatus.OutOfResources);
    expect(node.index.count('instances')).to.equal(0);
    fs.rmSync(node.files.tmpDir);
    fs.mkdirSync(node.files.tmpDir);
    // The node is still serving once the fault is gone.
    const again = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
    expect(again.status).to.equal(DimseStatus.Success);
  });

  it('answers out of resources (0xA700) when free space is below the floor', async () => {
    const full = await startTestNode({ ...EXPLICIT_ONLY, storage: { minFreeMb: 1_000_000_000 } });
    try {
      const sent = await sendWithDimseClient(full.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
      expect(sent.status).to.equal(DimseStatus.OutOfResources);
      assertNothingStored(full);
    } finally {
      await full.dispose();
    }
  });

  it('drops a data set whose sender disconnects mid-instance, and keeps serving others', async () => {
    const [big] = writeSeries(path.join(work, 'big'), { slices: 1, rows: 1024, columns: 1024, seed: 'big' }) as [string];
    const proxy = await cuttingProxy(node.dicom.port, 300_000);
    try {
      await sendWithDimseClient(proxy.port, commandOf(big), { rawBytes: datasetBytes(big) }).catch(() => undefined);
    } finally {
      proxy.close();
    }
    await waitFor(() => fs.readdirSync(node.files.tmpDir).length === 0 && node.dicom.activeAssociations === 0);
    assertNothingStored(node);
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
    expect(sent.status).to.equal(DimseStatus.Success);
  });

  /** Sends raw bytes on a fresh connection; resolves with all the node sent back once it closes. */
  function rawExchange(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(node.dicom.port, '127.0.0.1', () => socket.write(bytes));
      const received: Buffer[] = [];
      socket.on('data', (d: Buffer) => received.push(d));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(received)));
    });
  }

  for (const [name, bytes, reason] of [
    ['an unknown PDU type', Buffer.from([0x09, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00]), 1],
    ['a PDU longer than any the node takes', Buffer.from([0x04, 0x00, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00]), 6],
    ['a P-DATA-TF before any association', pdataPdu([{ contextId: 1, command: true, last: true, value: Buffer.alloc(8) }]), 2],
  ] as const) {
    it(`answers ${name} with an A-ABORT from the provider and closes, and keeps serving others`, async () => {
      const answer = await rawExchange(bytes);
      // A-ABORT (PS3.8 9.3.8): type 7, length 4, two reserved bytes, source 2 (provider), the reason.
      expect([...answer]).to.deep.equal([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, reason]);
      const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
      expect(sent.status).to.equal(DimseStatus.Success);
    });
  }

  it('closes the connection when the peer aborts the association (storescu after a file it cannot read)', async () => {
    const associate = associateRequestPdu('VIGIL', 'RAWSCU', [
      { id: 1, abstractSyntax: '1.2.840.10008.5.1.4.1.1.2', transferSyntaxes: ['1.2.840.10008.1.2.1'] },
    ]);
    // A-ABORT from the service user (source 0), reason 0.
    const abort = Buffer.from([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]);
    // Resolves only once the node closes the connection; the peer never does here.
    const answer = await rawExchange(Buffer.concat([associate, abort]));
    expect(answer[0], 'A-ASSOCIATE-AC before the close').to.equal(0x02);
    const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
    expect(sent.status).to.equal(DimseStatus.Success);
  });

  describe('a P-DATA-TF that breaks the DIMSE framing after the association is accepted', () => {
    const ctStorage = '1.2.840.10008.5.1.4.1.1.2';
    const associate = associateRequestPdu('VIGIL', 'RAWSCU', [{ id: 1, abstractSyntax: ctStorage, transferSyntaxes: ['1.2.840.10008.1.2.1'] }]);
    const storeCommand = (contextId: number) =>
      pdataPdu([
        {
          contextId,
          command: true,
          last: true,
          value: encodeCommand({
            CommandField: 0x0001,
            MessageID: 1,
            CommandDataSetType: 0x0000,
            AffectedSOPClassUID: ctStorage,
            AffectedSOPInstanceUID: '1.2.3',
          })!,
        },
      ]);
    const pdvPastItsPdu = Buffer.from([0x04, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x01, 0x03, 0x00, 0x00]);
    const dataBeforeCommand = pdataPdu([{ contextId: 1, command: false, last: true, value: Buffer.alloc(8) }]);
    for (const [name, pdata] of [
      ['a PDV longer than its PDU', pdvPastItsPdu],
      ['a data set fragment before any command', dataBeforeCommand],
      ['a C-STORE on a presentation context never accepted', storeCommand(3)],
      ['a command fragment inside a data set', Buffer.concat([storeCommand(1), storeCommand(1)])],
    ] as const) {
      it(`answers ${name} with an A-ABORT from the provider, stores nothing, keeps serving others`, async () => {
        const answer = await rawExchange(Buffer.concat([associate, pdata]));
        expect(answer[0], 'A-ASSOCIATE-AC first').to.equal(0x02);
        expect([...answer.subarray(answer.length - 10)]).to.deep.equal([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 6]);
        await waitFor(() => fs.readdirSync(node.files.tmpDir).length === 0 && node.dicom.activeAssociations === 0);
        assertNothingStored(node);
        const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
        expect(sent.status).to.equal(DimseStatus.Success);
      });
    }

    it('aborts only the association whose reading hits a fault of ours, logs it, keeps serving others', async () => {
      const createWriter = node.store.createWriter.bind(node.store);
      node.store.createWriter = () => {
        throw new Error('simulated fault');
      };
      try {
        const answer = await rawExchange(Buffer.concat([associate, storeCommand(1)]));
        expect([...answer.subarray(answer.length - 10)], 'A-ABORT, reason not specified').to.deep.equal([
          0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 0,
        ]);
      } finally {
        node.store.createWriter = createWriter;
      }
      const logged = node.logs.lines.filter((line) => line.includes('association aborted: internal error'));
      expect(logged).to.have.length(1);
      // Where it was thrown, to find the bug by; never the error's text, which may quote patient data.
      expect(logged[0]).to.match(/Error at .*scp-bad-input\.test\.ts.*message withheld/);
      expect(logged[0]).to.not.include('simulated fault');
      const sent = await sendWithDimseClient(node.dicom.port, commandOf(file), { rawBytes: datasetBytes(file) });
      expect(sent.status).to.equal(DimseStatus.Success);
    });
  });
});
