import { expect } from 'chai';
import dcmjs from 'dcmjs';
import { buildFileMetaHeader } from '../../src/dicom/data/part10.js';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../../src/dicom/data/uids.js';

/** The file meta header as the node built it element by element before (the reference). */
function reference(meta: { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string; sourceAeTitle?: string }): Buffer {
  const element = (n: number, vr: string, value: Buffer): Buffer => {
    const long = vr === 'OB';
    const header = Buffer.alloc(long ? 12 : 8);
    header.writeUInt16LE(0x0002, 0);
    header.writeUInt16LE(n, 2);
    header.write(vr, 4, 'latin1');
    if (long) header.writeUInt32LE(value.length, 8);
    else header.writeUInt16LE(value.length, 6);
    return Buffer.concat([header, value]);
  };
  const padded = (text: string, pad: string) => Buffer.from(text.length % 2 === 0 ? text : text + pad, 'latin1');
  const elements = [
    element(0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 'UI', padded(meta.sopClassUid, '\0')),
    element(0x0003, 'UI', padded(meta.sopInstanceUid, '\0')),
    element(0x0010, 'UI', padded(meta.transferSyntaxUid, '\0')),
    element(0x0012, 'UI', padded(IMPLEMENTATION_CLASS_UID, '\0')),
    element(0x0013, 'SH', padded(IMPLEMENTATION_VERSION_NAME, ' ')),
  ];
  if (meta.sourceAeTitle) elements.push(element(0x0016, 'AE', padded(meta.sourceAeTitle.trim(), ' ')));
  const body = Buffer.concat(elements);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0000, 'UL', length), body]);
}

describe('dicom/part10: the file meta header written before a received data set', () => {
  const cases = [
    { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3', transferSyntaxUid: '1.2.840.10008.1.2.1' },
    { sopClassUid: '1.2.840.10008.5.1.4.1.1.4', sopInstanceUid: '1.2.34', transferSyntaxUid: '1.2.840.10008.1.2', sourceAeTitle: 'STORESCU' },
    { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: `1.${'9'.repeat(62)}`, transferSyntaxUid: '1.2.840.10008.1.2.4.70', sourceAeTitle: ' CT1  ' },
    { sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '2.25.1', transferSyntaxUid: '1.2.840.10008.1.2.5', sourceAeTitle: '   ' },
  ];

  it('has the bytes of the element-by-element encoding: odd and even UIDs, with and without the source AE title', () => {
    for (const meta of cases) expect(buildFileMetaHeader(meta), JSON.stringify(meta)).to.deep.equal(reference(meta));
  });

  it('reads back with dcmjs as the meta information it was given', () => {
    const meta = cases[1]!;
    const bytes = Buffer.concat([buildFileMetaHeader(meta), Buffer.from([0x08, 0x00, 0x16, 0x00, 0x04, 0x00, 0x00, 0x00, 0x31, 0x2e, 0x32, 0x00])]);
    const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const read = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
    expect(read.MediaStorageSOPClassUID).to.equal(meta.sopClassUid);
    expect(read.MediaStorageSOPInstanceUID).to.equal(meta.sopInstanceUid);
    expect(read.TransferSyntaxUID).to.equal(meta.transferSyntaxUid);
    expect(read.ImplementationClassUID).to.equal(IMPLEMENTATION_CLASS_UID);
    expect(read.SourceApplicationEntityTitle).to.equal('STORESCU');
  });
});
