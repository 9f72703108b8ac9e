import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { storescu } from '../helpers/dcmtk.js';
import { requireTool } from '../helpers/tools.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { DimseStatus } from '../../src/dicom/net/store-status.js';

/** Each response's status and comment, as storescu -d prints them. */
async function send(node: TestNode, file: string): Promise<{ status: number | undefined; comment: string | undefined }> {
  const result = await storescu(node.dicom.port, [file], { extra: ['-d'] });
  const output = result.stdout + result.stderr;
  const status = /DIMSE Status\s*:\s*0x([0-9a-f]{4})/i.exec(output);
  const comment = /\(0000,0902\) LO \[([^\]]*)\]/.exec(output);
  return { status: status ? Number.parseInt(status[1]!, 16) : undefined, comment: comment?.[1] };
}

/** A copy of a file with its last pixel bytes changed: the same instance, other pixels. */
function withOtherPixels(file: string, dir: string): string {
  const bytes = Buffer.from(fs.readFileSync(file));
  for (let i = bytes.length - 64; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0xff;
  const copy = path.join(dir, 'other-pixels.dcm');
  fs.writeFileSync(copy, bytes);
  return copy;
}

function changesOf(node: TestNode, type: string) {
  return node.index.changes.list(0, 1000).changes.filter((c) => c.type === type);
}

describe('dicom/scp: an instance sent again with other content is never silent', function () {
  this.timeout(60_000);
  let work: string;
  let original: string;
  let otherPixels: string;
  let otherPatient: string;

  beforeEach(() => {
    work = makeTempDir();
    [original] = writeSeries(path.join(work, 'a'), { slices: 1, seed: 'dup' }) as [string];
    otherPixels = withOtherPixels(original, work);
    // Same seed, same UIDs; another PatientID (a registration corrected at the modality).
    [otherPatient] = writeSeries(path.join(work, 'b'), { slices: 1, seed: 'dup', patientId: 'PID-OTHER-2' }) as [string];
  });
  afterEach(() => removeDir(work));

  describe('storage.duplicates: keep-first (the default)', () => {
    let node: TestNode;
    beforeEach(async () => {
      node = await startTestNode();
    });
    afterEach(() => node.dispose());

    it('answers an identical re-send Success and changes nothing', async function () {
      requireTool(this, 'storescu', 'dcmtk');
      expect((await send(node, original)).status).to.equal(DimseStatus.Success);
      expect((await send(node, original)).status).to.equal(DimseStatus.Success);
      expect(node.index.count('instances')).to.equal(1);
      expect(changesOf(node, 'duplicate-ignored')).to.deep.equal([]);
    });

    it('keeps the first of two contents (B001), says so in /changes and the log, without patient data', async function () {
      requireTool(this, 'storescu', 'dcmtk');
      expect((await send(node, original)).status).to.equal(DimseStatus.Success);
      const [row] = node.index.allFilePaths();
      const storedBefore = fs.readFileSync(node.files.absolutePath(row!.filePath));

      const again = await send(node, otherPixels);
      expect(again.status).to.equal(DimseStatus.WarningDuplicateIgnored);
      expect(again.comment).to.equal('held with other content: the first one is kept');
      expect(fs.readFileSync(node.files.absolutePath(row!.filePath)).equals(storedBefore)).to.equal(true);

      const moved = await send(node, otherPatient);
      expect(moved.status, 'under another PatientID').to.equal(DimseStatus.WarningDuplicateIgnored);
      expect(node.index.count('instances')).to.equal(1);
      expect(node.index.count('patients')).to.equal(1);
      expect([...node.files.walk()]).to.have.length(1);
      expect(fs.readdirSync(node.files.tmpDir)).to.deep.equal([]);

      const changes = changesOf(node, 'duplicate-ignored');
      expect(changes.map((c) => [c.resourceId, c.data])).to.deep.equal([
        [row!.id, { otherPatient: false }],
        [row!.id, { otherPatient: true }],
      ]);
      const logged = node.logs.lines.filter((line) => line.includes('the one held is kept'));
      expect(logged).to.have.length(2);
      for (const line of logged) expect(line).to.not.match(/PID-|TEST\^PATIENT|ACC-TEST/);
    });
  });

  describe('two associations sending one SOP Instance UID at once', () => {
    let node: TestNode;
    beforeEach(async () => {
      node = await startTestNode();
    });
    afterEach(() => node.dispose());

    it('files it once: the second waits for the first and finds it held (B001)', async function () {
      requireTool(this, 'storescu', 'dcmtk');
      // Each filing is held up in a filter (filters run after the duplicate check) until both
      // have looked for the UID: without one filing at a time per UID, both find it not held and
      // both go on. With it, the second looks only once the first is done, so the first is let
      // go after a while instead (the wait decides no outcome: it only keeps the test from hanging).
      let looked = 0;
      let bothLooked!: () => void;
      const both = new Promise<void>((resolve) => (bothLooked = resolve));
      const lookUp = node.index.instanceBySopInstanceUid.bind(node.index);
      node.index.instanceBySopInstanceUid = (uid) => {
        if (++looked === 2) bothLooked();
        return lookUp(uid);
      };
      node.store.addFilter(async () => {
        await Promise.race([both, new Promise((resolve) => setTimeout(resolve, 3000))]);
        return undefined;
      });
      const statuses = (await Promise.all([send(node, original), send(node, otherPatient)])).map((r) => r.status);
      expect(statuses.sort()).to.deep.equal([DimseStatus.Success, DimseStatus.WarningDuplicateIgnored]);
      expect(node.index.count('instances')).to.equal(1);
      expect(node.index.count('patients')).to.equal(1);
      expect([...node.files.walk()]).to.have.length(1);
    });
  });

  describe('storage.duplicates: overwrite', () => {
    let node: TestNode;
    beforeEach(async () => {
      node = await startTestNode({ storage: { duplicates: 'overwrite' } });
    });
    afterEach(() => node.dispose());

    it('replaces in place (B002) when the patient, study and series are the same', async function () {
      requireTool(this, 'storescu', 'dcmtk');
      expect((await send(node, original)).status).to.equal(DimseStatus.Success);
      const again = await send(node, otherPixels);
      expect(again.status).to.equal(DimseStatus.WarningDuplicateOverwrote);
      const [row] = node.index.allFilePaths();
      const stored = fs.readFileSync(node.files.absolutePath(row!.filePath));
      const sent = fs.readFileSync(otherPixels);
      expect(stored.subarray(stored.length - 4096).equals(sent.subarray(sent.length - 4096))).to.equal(true);
      expect(node.index.count('instances')).to.equal(1);
      expect(changesOf(node, 'instance-overwritten').map((c) => [c.resourceId, c.data])).to.deep.equal([[row!.id, { previous: row!.id, otherPatient: false }]]);
      // A re-send of what is now held is plain Success again.
      expect((await send(node, otherPixels)).status).to.equal(DimseStatus.Success);
    });

    it('moves it under the other patient (B002): one record, the old one and its empty parents gone', async function () {
      requireTool(this, 'storescu', 'dcmtk');
      expect((await send(node, original)).status).to.equal(DimseStatus.Success);
      const [before] = node.index.allFilePaths();
      expect((await send(node, otherPatient)).status).to.equal(DimseStatus.WarningDuplicateOverwrote);
      expect(node.index.count('instances')).to.equal(1);
      expect(node.index.count('patients')).to.equal(1);
      const [after] = node.index.allFilePaths();
      expect(after!.id).to.not.equal(before!.id);
      expect([...node.files.walk()]).to.have.length(1);
      expect(fs.existsSync(node.files.absolutePath(before!.filePath))).to.equal(false);
      expect(changesOf(node, 'instance-overwritten').map((c) => [c.resourceId, c.data])).to.deep.equal([
        [after!.id, { previous: before!.id, otherPatient: true }],
      ]);
      expect(changesOf(node, 'deleted').map((c) => c.resourceId)).to.deep.equal([before!.id]);
    });
  });
});
