import fs from 'node:fs';
import { expect } from 'chai';
import { parseHeaderPrefix, readHeader } from '../../src/dicom/header.js';
import { isVigilError } from '../../src/errors.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

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
});
