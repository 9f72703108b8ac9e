import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { storescu } from '../helpers/dcmtk.js';
import { requireTool } from '../helpers/tools.js';
import { datasetBytes, encodeElement } from '../helpers/dicom-bytes.js';
import { associateRequestPdu } from '../helpers/raw-association.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { buildFileMetaHeader } from '../../src/dicom/data/part10.js';
import { CommandField, decodeCommand, encodeCommand } from '../../src/dicom/net/command-set.js';
import { LONG_VRS } from '../../src/dicom/data/element-encoding.js';
import { pdataPdu } from '../../src/dicom/net/pdata-tf.js';
import { DimseStatus } from '../../src/dicom/net/store-status.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';

/**
 * A fixture's data set (explicit VR, flat before Pixel Data) with one top-level element's value
 * replaced, byte for byte: dcmjs would cut a long UID to 64 characters when writing it.
 */
function withValue(body: Buffer, group: number, element: number, vr: string, text: string): Buffer {
  const value = Buffer.from(text.length % 2 ? `${text}\0` : text, 'latin1');
  for (let pos = 0; pos < body.length;) {
    const long = LONG_VRS.has(body.toString('latin1', pos + 4, pos + 6));
    const end = pos + (long ? 12 + body.readUInt32LE(pos + 8) : 8 + body.readUInt16LE(pos + 6));
    if (body.readUInt16LE(pos) === group && body.readUInt16LE(pos + 2) === element) {
      return Buffer.concat([body.subarray(0, pos), encodeElement(group, element, vr, value), body.subarray(end)]);
    }
    pos = end;
  }
  throw new Error('element not found');
}

/** storescu -d prints each response's status as "DIMSE Status : 0xc004: ..." and its comment. */
function storescuStatus(output: string): { status: number | undefined; comment: string | undefined } {
  const status = /DIMSE Status\s*:\s*0x([0-9a-f]{4})/i.exec(output);
  const comment = /\(0000,0902\) LO \[([^\]]*)\]/.exec(output);
  return { status: status ? Number.parseInt(status[1]!, 16) : undefined, comment: comment?.[1] };
}

describe('dicom/scp: a data set is refused for the reason it is wrong', function () {
  this.timeout(30_000);
  let node: TestNode;
  let work: string;
  let body: Buffer;
  let sopInstanceUid: string;

  beforeEach(async () => {
    node = await startTestNode();
    work = makeTempDir();
    const [file] = writeSeries(work, { slices: 1, seed: 'data-checks' }) as [string];
    body = datasetBytes(file);
    sopInstanceUid = /UI\S\S(2\.25\.\d+)/.exec(body.toString('latin1', 0, 600))![1]!;
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  function assertNothingStored(): void {
    expect(node.index.count('instances')).to.equal(0);
    expect([...node.files.walk()]).to.deep.equal([]);
    expect(fs.readdirSync(node.files.tmpDir)).to.deep.equal([]);
  }

  /** Writes a Part 10 file of the given data set and sends it with DCMTK's storescu. */
  async function send(ctx: Mocha.Context, uid: string, dataset: Buffer): Promise<{ status: number | undefined; comment: string | undefined }> {
    requireTool(ctx, 'storescu', 'dcmtk');
    const file = path.join(work, 'sent.dcm');
    fs.writeFileSync(
      file,
      Buffer.concat([buildFileMetaHeader({ sopClassUid: CT_IMAGE, sopInstanceUid: uid, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }), dataset]),
    );
    const result = await storescu(node.dicom.port, [file], { extra: ['-d'] });
    return storescuStatus(result.stdout + result.stderr);
  }

  it('refuses a SOP Instance UID with characters other than digits and dots as an invalid UID (0xC004), not as a mismatch', async function () {
    const uid = '1.2.826.0.1.3680043.2.1125.1a';
    const sent = await send(this, uid, withValue(body, 0x0008, 0x0018, 'UI', uid));
    expect(sent.status, sent.comment).to.equal(DimseStatus.CannotUnderstandInvalidUid);
    expect(sent.comment).to.equal('SOPInstanceUID has characters other than digits and dots');
    assertNothingStored();
  });

  it('refuses a SOP Instance UID longer than 64 characters (0xC004)', async function () {
    const uid = `1.2.826.0.1.3680043.2.1125.${'1'.repeat(172)}`;
    expect(uid).to.have.length(199);
    const sent = await send(this, uid, withValue(body, 0x0008, 0x0018, 'UI', uid));
    expect(sent.status, sent.comment).to.equal(DimseStatus.CannotUnderstandInvalidUid);
    expect(sent.comment).to.equal('SOPInstanceUID is longer than 64 characters (199)');
    assertNothingStored();
  });

  it('refuses a Study Instance UID longer than 64 characters in the data set (0xC004)', async function () {
    const sent = await send(this, sopInstanceUid, withValue(body, 0x0020, 0x000d, 'UI', `1.2.3.${'4'.repeat(90)}`));
    expect(sent.status, sent.comment).to.equal(DimseStatus.CannotUnderstandInvalidUid);
    expect(sent.comment).to.equal('StudyInstanceUID is longer than 64 characters (96)');
    assertNothingStored();
  });

  it('refuses a data set of zero bytes as one it cannot understand (0xC000)', async () => {
    // No SCU tool sends an empty data set: the PDUs are built by hand (one empty, last fragment).
    const command = encodeCommand({
      CommandField: CommandField.CStoreRequest,
      MessageID: 1,
      Priority: 0,
      CommandDataSetType: 0x0000,
      AffectedSOPClassUID: CT_IMAGE,
      AffectedSOPInstanceUID: sopInstanceUid,
    })!;
    const answer = await exchange(node.dicom.port, [
      associateRequestPdu('VIGIL', 'RAWSCU', [{ id: 1, abstractSyntax: CT_IMAGE, transferSyntaxes: [TransferSyntax.ExplicitVRLittleEndian] }]),
      pdataPdu([{ contextId: 1, command: true, last: true, value: command }]),
      pdataPdu([{ contextId: 1, command: false, last: true, value: Buffer.alloc(0) }]),
    ]);
    expect(answer.Status, String(answer.ErrorComment)).to.equal(DimseStatus.CannotUnderstand);
    expect(answer.ErrorComment).to.match(/empty data set/);
    assertNothingStored();
  });
});

/** Sends the PDUs on a fresh connection and resolves with the first DIMSE response's command. */
function exchange(port: number, pdus: Buffer[]): Promise<Record<string, string | number>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.concat(pdus)));
    let received = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before a response')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // PDUs: type, reserved, 4-byte length. The response is the first P-DATA-TF (type 4).
      for (let at = 0; at + 6 <= received.length; at += 6 + received.readUInt32BE(at + 2)) {
        if (at + 6 + received.readUInt32BE(at + 2) > received.length) return;
        if (received[at] !== 0x04) continue;
        // One PDV: its length, context id, control header, then the command.
        const length = received.readUInt32BE(at + 6);
        socket.removeAllListeners('close');
        socket.destroy();
        return resolve(decodeCommand(received.subarray(at + 12, at + 10 + length)));
      }
    });
  });
}
