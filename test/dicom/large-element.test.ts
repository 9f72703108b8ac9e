import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startTestNode } from '../helpers/test-node.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { requireTool } from '../helpers/tools.js';
import { datasetBytes, encodeElement } from '../helpers/dicom-bytes.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { buildFileMetaHeader } from '../../src/dicom/data/part10.js';
import { LONG_VRS } from '../../src/dicom/data/element-encoding.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';
import { DimseStatus } from '../../src/dicom/net/store-status.js';

const MB = 1024 * 1024;
/** The size seen at a hospital: a 200 MB private element (group 0009), before the main tags. */
const LARGE_ELEMENT_BYTES = 200 * MB;
/** How much the node's RSS may grow while four associations each send such an instance. */
const RSS_BOUND_BYTES = 50 * MB;
const TOKEN = 'large-element-test-admin-token-0123456789';

/**
 * Writes a CT instance with a private OB element of `length` zero bytes in group 0009, streamed
 * to disk 1 MB at a time (the test never holds it in memory). Returns its SOP Instance UID.
 */
function writeWithLargeElement(dir: string, seed: string, length: number): { file: string; sopInstanceUid: string } {
  const [fixture] = writeSeries(dir, { slices: 1, seed }) as [string];
  const body = datasetBytes(fixture);
  // The first top-level element past group 0009 (the fixture is flat up to Pixel Data).
  let split = 0;
  while (body.readUInt16LE(split) <= 0x0009) {
    const long = LONG_VRS.has(body.toString('latin1', split + 4, split + 6));
    split += long ? 12 + body.readUInt32LE(split + 8) : 8 + body.readUInt16LE(split + 6);
  }
  const sopInstanceUid = uidFor(`${seed}/instance/0`);
  const file = path.join(dir, `${seed}-large.dcm`);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(
      fd,
      buildFileMetaHeader({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid, transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }),
    );
    fs.writeSync(fd, body.subarray(0, split));
    fs.writeSync(fd, encodeElement(0x0009, 0x0010, 'LO', Buffer.from('VIGIL TESTS ', 'latin1')));
    fs.writeSync(fd, encodeElement(0x0009, 0x1010, 'OB', Buffer.alloc(0)).subarray(0, 8));
    const length32 = Buffer.alloc(4);
    length32.writeUInt32LE(length);
    fs.writeSync(fd, length32);
    const chunk = Buffer.alloc(MB, 0x5a);
    for (let left = length; left > 0; left -= chunk.length) fs.writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    fs.writeSync(fd, body.subarray(split));
  } finally {
    fs.closeSync(fd);
  }
  return { file, sopInstanceUid };
}

/** The resident set of a process, from /proc (Linux). */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(kb![1]) * 1024;
}

/** Samples a process's RSS while `work` runs; returns the peak growth over its RSS before. */
async function rssGrowthDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = rssOf(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, rssOf(pid));
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

describe('dicom/scp: an instance with a very large element is received in bounded memory', function () {
  this.timeout(300_000);
  let work: string;

  beforeEach(() => {
    work = makeTempDir();
  });
  afterEach(() => removeDir(work));

  // The node runs as `npm start` runs it (its malloc and V8 settings are part of its footprint),
  // and its RSS is read from /proc while DCMTK sends.
  it(`stores four ${LARGE_ELEMENT_BYTES / MB} MB private elements sent in parallel with RSS growing < ${RSS_BOUND_BYTES / MB} MB, and serves their tags the same way`, async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const sent = [0, 1, 2, 3].map((i) => writeWithLargeElement(work, `large-${i}`, LARGE_ELEMENT_BYTES));
    const node = await startNodeProcess(path.join(work, 'data'), { VIGIL_ADMIN_TOKEN: TOKEN, VIGIL_LOG_LEVEL: 'warn' });
    try {
      const pid = node.child.pid!;
      // One ordinary instance first: what the first C-STORE loads is not what this measures.
      const [warmUp] = writeSeries(path.join(work, 'warm-up'), { slices: 1, seed: 'warm-up' });
      expect(storeResponses(await storescu(node.dicomPort, [warmUp!]))).to.deep.equal({ success: 1, failed: 0 });

      const { result, growth } = await rssGrowthDuring(pid, () => Promise.all(sent.map(({ file }) => storescu(node.dicomPort, [file]))));
      for (const run of result) expect(storeResponses(run), run.stdout + run.stderr).to.deep.equal({ success: 1, failed: 0 });
      expect(growth, `RSS grew ${(growth / MB).toFixed(0)} MB`).to.be.below(RSS_BOUND_BYTES);

      const api = async (url: string) => {
        const res = await fetch(`http://127.0.0.1:${node.httpPort}${url}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
        expect(res.status, url).to.equal(200);
        return (await res.json()) as Record<string, unknown>;
      };
      const ids = (await api('/instances')) as unknown as string[];
      expect(ids).to.have.length(5);
      const large: string[] = [];
      for (const id of ids) {
        const instance = (await api(`/instances/${id}`)) as { MainDicomTags: { SOPInstanceUID: string } };
        if (sent.some((s) => s.sopInstanceUid === instance.MainDicomTags.SOPInstanceUID)) large.push(id);
      }
      expect(large).to.have.length(4);
      const tags = await rssGrowthDuring(pid, () => api(`/instances/${large[0]}/tags`));
      expect(tags.result['00091010'], 'the large value, by its length').to.deep.equal({ vr: 'OB', BulkDataLength: LARGE_ELEMENT_BYTES });
      expect(tags.result['00080060']).to.deep.equal({ vr: 'CS', Value: ['CT'] });
      expect(tags.result['00280010'], 'Rows, past the large element').to.deep.equal({ vr: 'US', Value: [64] });
      expect(tags.growth, `RSS grew ${(tags.growth / MB).toFixed(0)} MB`).to.be.below(RSS_BOUND_BYTES);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });

  it('refuses an element longer than storage.maxElementMb with 0xC005 naming it, and keeps nothing', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const strict = await startTestNode({ storage: { maxElementMb: 1 } });
    try {
      const { file } = writeWithLargeElement(work, 'too-large', 2 * MB);
      const run = await storescu(strict.dicom.port, [file], { extra: ['-d'] });
      const output = run.stdout + run.stderr;
      expect(output).to.match(/DIMSE Status\s*:\s*0xc005/i);
      expect(output).to.include('element (0009,1010) is 2 MB, over the 1 MB taken');
      expect(DimseStatus.CannotUnderstandElementTooLarge).to.equal(0xc005);
      expect(strict.index.count('instances')).to.equal(0);
      expect([...strict.files.walk()]).to.deep.equal([]);
      expect(fs.readdirSync(strict.files.tmpDir)).to.deep.equal([]);
    } finally {
      await strict.dispose();
    }
  });
});
