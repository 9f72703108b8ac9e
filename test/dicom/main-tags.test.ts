import fs from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { LONG_VRS } from '../../src/dicom/data/element-encoding.js';
import { readMainTags } from '../../src/dicom/data/main-tags.js';
import { parseHeaderPrefix } from '../../src/dicom/data/header.js';
import { buildFileMetaHeader } from '../../src/dicom/data/part10.js';
import { summarizeHeader } from '../../src/domain/header-summary.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';
import { phantomInMemory } from '../../src/tools/phantom/phantom.js';
import { encodeElement } from '../helpers/dicom-bytes.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';

/** Where the data set of a Part 10 file starts, and its transfer syntax. */
function split(file: Buffer): { dataStart: number; transferSyntaxUid: string } {
  const groupLength = file.readUInt32LE(132 + 8);
  const dataStart = 132 + 12 + groupLength;
  let pos = 132 + 12;
  while (pos < dataStart) {
    const element = file.readUInt16LE(pos + 2);
    const vr = file.toString('latin1', pos + 4, pos + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? file.readUInt32LE(pos + 8) : file.readUInt16LE(pos + 6);
    const valueStart = pos + (long ? 12 : 8);
    if (element === 0x0010) {
      return { dataStart, transferSyntaxUid: file.toString('latin1', valueStart, valueStart + length).replace(/\0+$/, '') };
    }
    pos = valueStart + length;
  }
  throw new Error('no transfer syntax in the file meta');
}

/** The fast reader's summary and dcmjs's for the same bytes (the first 64 KB, as on receipt). */
function bothWays(file: Buffer) {
  const { dataStart, transferSyntaxUid } = split(file);
  const head = file.subarray(0, 64 * 1024);
  const whole = head.length >= file.length;
  const fast = readMainTags(head, dataStart, transferSyntaxUid, whole);
  const dcmjs = summarizeHeader(parseHeaderPrefix(head, file.length)!.attrs);
  return { fast, dcmjs };
}

/** An element to write; RAW is one already encoded (a sequence), its bytes taken as they are. */
type El = [group: number, element: number, vr: string, value: Buffer | string];

/** A Part 10 file made of exactly these elements, in tag order, in either VR encoding. */
function file(elements: El[], transferSyntaxUid: string = TransferSyntax.ExplicitVRLittleEndian): Buffer {
  const implicit = transferSyntaxUid === TransferSyntax.ImplicitVRLittleEndian;
  const body = [...elements]
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([group, element, vr, value]) =>
      vr === 'RAW' ? (value as Buffer) : encodeElement(group, element, vr, typeof value === 'string' ? Buffer.from(value, 'latin1') : value, { implicit }),
    );
  const meta = buildFileMetaHeader({ sopClassUid: CT_IMAGE, sopInstanceUid: '1.2.3.4', transferSyntaxUid });
  return Buffer.concat([meta, ...body]);
}

/** An undefined-length sequence of one undefined-length item holding these elements. */
function sequence(group: number, element: number, items: Buffer, implicit = false): El {
  const item = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]), items, Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0])]);
  const value = Buffer.concat([item, Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0])]);
  return [group, element, 'RAW', encodeElement(group, element, 'SQ', value, { implicit, undefinedLength: true })];
}

/** Elements with the identity the index needs, plus `extra`. */
function dataset(extra: El[]): El[] {
  return [
    [0x0008, 0x0016, 'UI', `${CT_IMAGE}\0`],
    [0x0008, 0x0018, 'UI', '1.2.3.4\0'],
    [0x0020, 0x000d, 'UI', '1.2.3\0'],
    [0x0020, 0x000e, 'UI', '1.2.3.5\0'],
    ...extra,
  ];
}

describe('dicom/main-tags: the main tags without dcmjs, exactly as dcmjs reads them', () => {
  it('agrees with dcmjs on the test fixtures, in both VR encodings', () => {
    const dir = makeTempDir();
    try {
      for (const modality of ['CT', 'MR'] as const) {
        for (const f of writeSeries(dir, { seed: `mt-${modality}`, slices: 2, modality })) {
          const { fast, dcmjs } = bothWays(fs.readFileSync(f));
          expect(fast, f).to.not.equal(undefined);
          expect(fast).to.deep.equal(dcmjs);
        }
      }
    } finally {
      removeDir(dir);
    }
  });

  for (const kind of ['head-ct', 'ctpa', 'cxr'] as const) {
    it(`agrees with dcmjs on ${kind} phantoms of every vendor`, () => {
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const { files } = phantomInMemory({ kind, finding: 'none', seed, matrix: kind === 'cxr' ? 8 : 32 });
        for (const f of files.slice(0, 2)) {
          const { fast, dcmjs } = bothWays(Buffer.from(f.bytes));
          expect(fast, `${kind} seed ${seed}`).to.not.equal(undefined);
          expect(fast, `${kind} seed ${seed}`).to.deep.equal(dcmjs);
        }
      }
    });
  }

  const tricky: [string, El[]][] = [
    [
      'padding, blanks and NULs',
      [
        [0x0008, 0x0060, 'CS', ' CT '],
        [0x0008, 0x0020, 'DA', '20240102'],
        [0x0008, 0x0030, 'TM', '101010.5 '],
        [0x0008, 0x1030, 'LO', '  Head  routine \0'],
        [0x0010, 0x0020, 'LO', 'ID 7 '],
        [0x0008, 0x0050, 'SH', '\0\0'],
      ],
    ],
    [
      'several values',
      [
        [0x0008, 0x0008, 'CS', 'ORIGINAL\\PRIMARY\\AXIAL '],
        [0x0020, 0x0032, 'DS', '-125.000\\ -125.5\\10 '],
        [0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0 '],
        [0x0028, 0x0030, 'DS', '0.48828125\\0.48828125'],
        [0x0008, 0x1030, 'LO', 'A \\ B '],
        [0x0028, 0x0010, 'US', Buffer.from([0x00, 0x02])],
        [0x0028, 0x0011, 'US', Buffer.from([0x00, 0x02, 0x10, 0x00])],
      ],
    ],
    [
      'empty values',
      [
        [0x0010, 0x0010, 'PN', ''],
        [0x0010, 0x0040, 'CS', ''],
        [0x0010, 0x0030, 'DA', ''],
        [0x0020, 0x0011, 'IS', ''],
        [0x0018, 0x0050, 'DS', ''],
        [0x0008, 0x1030, 'LO', ''],
        [0x0028, 0x0010, 'US', Buffer.alloc(0)],
      ],
    ],
    [
      'numbers dcmjs cleans up or cannot read',
      [
        [0x0020, 0x0013, 'IS', '+12 '],
        [0x0020, 0x0012, 'IS', '1x'],
        [0x0020, 0x1041, 'DS', '1.5e1 '],
        [0x0018, 0x0050, 'DS', '1.2.3 '],
        [0x0020, 0x0032, 'DS', '1\\\\3 '],
        [0x0028, 0x0008, 'IS', '  '],
      ],
    ],
    [
      'person names',
      [
        [0x0010, 0x0010, 'PN', 'Doe^Jane^^Dr=Ideo=Phon '],
        [0x0008, 0x0090, 'PN', '=OnlyIdeographic'],
      ],
    ],
    [
      'several person names and an odd one',
      [
        [0x0008, 0x0090, 'PN', 'A^B\\\\C^D \\=X '],
        [0x0010, 0x0010, 'PN', 'Doe^John  '],
      ],
    ],
    ['UIDs with pads and junk', [[0x0020, 0x0052, 'UI', '1.2.840.1 \0']]],
    [
      'UTF-8 names under ISO_IR 192',
      [
        [0x0008, 0x0005, 'CS', 'ISO_IR 192'],
        [0x0010, 0x0010, 'PN', Buffer.from('Müller^Zoë ', 'utf8')],
        [0x0008, 0x0080, 'LO', Buffer.from('Hôpital Saint-Éloi', 'utf8')],
      ],
    ],
    [
      'the default character set named',
      [
        [0x0008, 0x0005, 'CS', 'ISO_IR 100'],
        [0x0010, 0x0010, 'PN', 'Plain^Name'],
      ],
    ],
  ];

  for (const encoding of [TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian]) {
    for (const [name, elements] of tricky) {
      it(`agrees with dcmjs on ${name} (${encoding === TransferSyntax.ImplicitVRLittleEndian ? 'implicit' : 'explicit'} VR)`, () => {
        const { fast, dcmjs } = bothWays(file(dataset(elements), encoding));
        expect(fast, 'the fast reader declined').to.not.equal(undefined);
        expect(fast).to.deep.equal(dcmjs);
      });
    }

    it(`skips sequences of undefined length, nested, before the main tags (${encoding === TransferSyntax.ImplicitVRLittleEndian ? 'implicit' : 'explicit'} VR)`, () => {
      const implicit = encoding === TransferSyntax.ImplicitVRLittleEndian;
      const inner = sequence(0x0008, 0x9215, encodeElement(0x0008, 0x0100, 'SH', Buffer.from('CODE'), { implicit }), implicit)[3] as Buffer;
      const outer = sequence(0x0008, 0x1140, Buffer.concat([encodeElement(0x0008, 0x0060, 'CS', Buffer.from('XX'), { implicit }), inner]), implicit);
      const { fast, dcmjs } = bothWays(file(dataset([outer, [0x0008, 0x0060, 'CS', 'MR'], [0x0018, 0x0050, 'DS', '3 ']]), encoding));
      expect(fast?.series.Modality).to.equal('MR');
      expect(fast).to.deep.equal(dcmjs);
    });
  }

  it('leaves to dcmjs what it cannot be sure to read the same way', () => {
    const cases: [string, Buffer, string?][] = [
      [
        'Latin-1 bytes',
        file(
          dataset([
            [0x0008, 0x0005, 'CS', 'ISO_IR 100'],
            [0x0010, 0x0010, 'PN', Buffer.from('M\xfcller', 'latin1')],
          ]),
        ),
      ],
      [
        'ISO 2022 character sets',
        file(
          dataset([
            [0x0008, 0x0005, 'CS', '\\ISO 2022 IR 87'],
            [0x0010, 0x0010, 'PN', 'Yamada'],
          ]),
        ),
      ],
      ['another VR than the dictionary', file(dataset([[0x0008, 0x0060, 'LO', 'CT']]))],
      ['a header past the bytes given', file(dataset([[0x0009, 0x1001, 'OB', Buffer.alloc(70_000)]]))],
      ['big endian', file(dataset([])), TransferSyntax.ExplicitVRBigEndian],
    ];
    for (const [name, bytes, syntax] of cases) {
      const { dataStart, transferSyntaxUid } = split(bytes);
      const head = bytes.subarray(0, 64 * 1024);
      expect(readMainTags(head, dataStart, syntax ?? transferSyntaxUid, head.length >= bytes.length), name).to.equal(undefined);
    }
  });

  it('never throws on damaged bytes: it reads them or declines (property)', () => {
    const dir = makeTempDir();
    try {
      const [fixture] = writeSeries(dir, { seed: 'mt-fuzz', slices: 1 }) as [string];
      const original = fs.readFileSync(fixture);
      const { dataStart, transferSyntaxUid } = split(original);
      const headerEnd = original.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])) + 12;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: dataStart, max: headerEnd }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: dataStart, max: original.length }),
          fc.boolean(),
          (flips, cut, implicit) => {
            const bytes = Buffer.from(original.subarray(0, cut));
            for (const [at, value] of flips) if (at < bytes.length) bytes[at] = value;
            const syntax = implicit ? TransferSyntax.ImplicitVRLittleEndian : transferSyntaxUid;
            const summary = readMainTags(bytes, dataStart, syntax, true);
            expect(summary === undefined || typeof summary.instance === 'object').to.equal(true);
          },
        ),
        { numRuns: 500 },
      );
    } finally {
      removeDir(dir);
    }
  });
});
