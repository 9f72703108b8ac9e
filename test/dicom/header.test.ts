import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseHeaderPrefix, readHeader } from '../../src/dicom/data/header.js';
import { buildFileMetaHeader } from '../../src/dicom/data/part10.js';
import { isVigilError } from '../../src/core/errors.js';
import { encodeElement } from '../helpers/dicom-bytes.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { toDicomJson } from '../../src/dicom/data/dicom-json.js';

describe('dicom/header: parsing without reading pixels', () => {
  let dir: string;
  let file: string;
  let bytes: Buffer;
  beforeEach(() => {
    dir = makeTempDir();
    [file] = writeSeries(dir, { slices: 1, rows: 256, columns: 256 }) as [string];
    bytes = fs.readFileSync(file);
  });
  afterEach(() => removeDir(dir));

  it('reads every header attribute of a file', async () => {
    const header = await readHeader(file);
    expect(header.attrs).to.include({ Modality: 'CT', PatientID: 'PID-TEST-1', Rows: 256 });
    expect(header.attrs).to.not.have.property('PixelData');
  });

  it('never takes a prefix that ends between two elements for the whole header', () => {
    const pixelDataAt = bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
    const seriesUidAt = bytes.indexOf(Buffer.from([0x20, 0x00, 0x0e, 0x00]));
    for (const cut of [pixelDataAt, seriesUidAt]) {
      expect(parseHeaderPrefix(bytes.subarray(0, cut), bytes.length), `cut at ${cut}`).to.equal(undefined);
    }
    expect(parseHeaderPrefix(bytes.subarray(0, pixelDataAt + 12), bytes.length)?.attrs).to.include({ Modality: 'CT' });
  });

  it('throws DICOM_PARSE_FAILED for a whole buffer that is not DICOM', () => {
    const garbage = Buffer.alloc(300, 0x41);
    try {
      parseHeaderPrefix(garbage, garbage.length);
      expect.fail('expected a parse failure');
    } catch (err) {
      expect(isVigilError(err, 'DICOM_PARSE_FAILED')).to.equal(true);
    }
  });

  it('reads a header in character sets dcmjs does not support instead of refusing it', () => {
    const element = (group: number, number: number, vr: string, text: string) =>
      encodeElement(group, number, vr, Buffer.from(text.length % 2 ? `${text} ` : text, 'latin1'));
    // A Japanese header: the default repertoire plus JIS X 0208 by escape sequences.
    for (const charset of ['\\ISO 2022 IR 87', 'ISO 2022 IR 6\\ISO 2022 IR 87', 'ISO_IR 999']) {
      const file = Buffer.concat([
        buildFileMetaHeader({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3', transferSyntaxUid: '1.2.840.10008.1.2.1' }),
        element(0x0008, 0x0005, 'CS', charset),
        element(0x0008, 0x0018, 'UI', '1.2.3'),
        element(0x0008, 0x0060, 'CS', 'CT'),
        element(0x0010, 0x0010, 'PN', 'Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B'),
      ]);
      const header = parseHeaderPrefix(file, file.length)!;
      expect(header.attrs, charset).to.include({ SOPInstanceUID: '1.2.3', Modality: 'CT' });
      expect(JSON.stringify(header.attrs.PatientName)).to.include('Yamada^Tarou');
    }
  });
});

describe('dicom/header: bounded memory whatever the file holds', () => {
  const MB = 1024 * 1024;
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  const uid = (text: string) => Buffer.from(text.length % 2 ? `${text}\0` : text, 'latin1');
  const item = (body: Buffer, undefinedLength = false) =>
    Buffer.concat([
      encodeElement(0xfffe, 0xe000, '', body, { implicit: true, undefinedLength }),
      undefinedLength ? Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]) : Buffer.alloc(0),
    ]);
  const sequenceDelimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);

  for (const implicit of [false, true]) {
    it(`leaves values over 1 MB out, at the top and inside sequences of either length, and keeps the rest (${implicit ? 'implicit' : 'explicit'} VR)`, async () => {
      const el = (group: number, element: number, vr: string, value: Buffer, undefinedLength = false) =>
        encodeElement(group, element, vr, value, { implicit, undefinedLength });
      const big = Buffer.alloc(2 * MB, 0x41);
      const code = (meaning: string) =>
        Buffer.concat([
          el(0x0008, 0x0100, 'SH', Buffer.from('T1')),
          el(0x0008, 0x0104, 'LO', Buffer.from(meaning.padEnd(meaning.length + (meaning.length % 2)))),
        ]);
      const file = path.join(dir, 'nested.dcm');
      const transferSyntaxUid = implicit ? '1.2.840.10008.1.2' : '1.2.840.10008.1.2.1';
      fs.writeFileSync(
        file,
        Buffer.concat([
          buildFileMetaHeader({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3', transferSyntaxUid }),
          el(0x0008, 0x0018, 'UI', uid('1.2.3')),
          el(0x0008, 0x0060, 'CS', Buffer.from('CT')),
          // A defined-length sequence too long to copy whole: item 2 holds the large value.
          el(0x0008, 0x1110, 'SQ', Buffer.concat([item(code('first')), item(Buffer.concat([code('second'), el(0x0009, 0x1001, 'OB', big)]))])),
          el(0x0009, 0x0010, 'LO', Buffer.from('VIGIL TESTS ')),
          el(0x0009, 0x1010, 'OB', big),
          // An undefined-length sequence with an undefined-length item holding a large value.
          el(0x0040, 0x0260, 'SQ', Buffer.concat([item(Buffer.concat([code('third'), el(0x0009, 0x1002, 'OB', big)]), true), sequenceDelimiter]), true),
          el(0x0028, 0x0010, 'US', Buffer.from([0x40, 0x00])),
        ]),
      );
      const header = await readHeader(file);
      const json = toDicomJson(header.dict) as Record<string, { vr: string; Value?: Record<string, unknown>[]; BulkDataLength?: number }>;
      const unknownVr = implicit ? 'UN' : 'OB';
      // Not read into memory: the parsed header holds its length, not its bytes.
      expect(header.dict['00091010']).to.deep.equal({ vr: unknownVr, BulkDataLength: 2 * MB });
      expect(json['00091010']).to.deep.equal({ vr: unknownVr, BulkDataLength: 2 * MB });
      expect(json['00081110']!.Value).to.have.length(2);
      expect(json['00081110']!.Value![1]!['00091001']).to.deep.equal({ vr: unknownVr, BulkDataLength: 2 * MB });
      expect(json['00081110']!.Value![1]!['00080104']).to.deep.equal({ vr: 'LO', Value: ['second'] });
      expect(json['00400260']!.Value![0]!['00091002']).to.deep.equal({ vr: unknownVr, BulkDataLength: 2 * MB });
      expect(json['00400260']!.Value![0]!['00080104']).to.deep.equal({ vr: 'LO', Value: ['third'] });
      expect(header.attrs).to.include({ SOPInstanceUID: '1.2.3', Modality: 'CT', Rows: 64 });
    });
  }

  it('refuses a file that ends inside an element before Pixel Data', async () => {
    const file = path.join(dir, 'cut.dcm');
    const whole = Buffer.concat([
      buildFileMetaHeader({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3', transferSyntaxUid: '1.2.840.10008.1.2.1' }),
      encodeElement(0x0008, 0x0018, 'UI', uid('1.2.3')),
      encodeElement(0x0009, 0x1010, 'OB', Buffer.alloc(4096)),
    ]);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 100));
    try {
      await readHeader(file);
      expect.fail('expected a parse failure');
    } catch (err) {
      expect(isVigilError(err, 'DICOM_PARSE_FAILED'), String(err)).to.equal(true);
    }
  });
});

describe('dicom/header: reading a header from a file on disk', () => {
  let dir: string;
  afterEach(() => removeDir(dir));

  it('walks the header through a few reads of the file, not a 64 KB read per element', async () => {
    dir = makeTempDir();
    const [file] = writeSeries(dir, { slices: 1, rows: 512, columns: 512 }) as [string];
    const original = fs.readSync;
    let reads = 0;
    fs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
      reads++;
      return original(...args);
    }) as typeof fs.readSync;
    try {
      const header = await readHeader(file);
      expect(header.attrs).to.include({ Modality: 'CT', Rows: 512 });
    } finally {
      fs.readSync = original;
    }
    // The header is in the file's first 64 KB: the file meta is read twice (its prefix, then
    // its group; once for the transfer syntax, once by the compact copy), the data set once.
    expect(reads).to.be.at.most(5);
  });
});
