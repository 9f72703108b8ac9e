import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { requireTool } from '../helpers/tools.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { storescu } from '../helpers/dcmtk.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { datasetBytes } from '../helpers/dicom-bytes.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { REDACTED } from '../../src/log/redact.js';
import { createLogger } from '../../src/log/logger.js';
import { VigilError } from '../../src/core/errors.js';
import dimse from '../../src/dicom/net/dimse.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { runDcmtk } from '../helpers/dcmtk.js';
import { startTestNode } from '../helpers/test-node.js';
import { copyPacks, seriesIdOf, settled } from '../helpers/triage.js';

const PATIENT = {
  patientName: 'QUIXOTEZ^ZEBULON^MARCH',
  patientId: 'PID-XYZZY-4471',
  accessionNumber: 'ACC-PLUGH-9923',
};

describe('log: no patient data at any level', function () {
  this.timeout(60_000);
  let work: string;
  beforeEach(() => (work = makeTempDir()));
  afterEach(() => removeDir(work));

  it('a node pushed a known patient writes none of its identifiers to stdout or its log file', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const dataDir = path.join(work, 'data');
    // Explicit VR only, so the dcmjs-dimse client sends the raw (broken) bytes untranscoded.
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, 'dicom:\n  transferSyntaxes: ["1.2.840.10008.1.2.1"]\n');
    const node = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile, VIGIL_LOG_LEVEL: 'debug', VIGIL_LOG_FILE: 'logs/vigil.log' });
    try {
      const files = writeSeries(path.join(work, 'series'), { slices: 3, seed: 'log-test', ...PATIENT });
      const pushed = await storescu(node.dicomPort, files);
      expect(pushed.code, pushed.stderr).to.equal(0);
      // A refused instance too: error paths must not leak either.
      const command = dimse.Dataset.fromFile(files[0]!)!.getElements();
      const refused = await sendWithDimseClient(
        node.dicomPort,
        { ...command, SOPInstanceUID: '1.2.3.999' },
        {
          rawBytes: datasetBytes(files[0]!).subarray(0, 3000),
        },
      );
      expect(refused.status).to.not.equal(0);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    const logged = node.output() + fs.readFileSync(path.join(dataDir, 'logs/vigil.log'), 'utf8');
    expect(logged).to.match(/association accepted/);
    for (const value of [...Object.values(PATIENT), 'QUIXOTEZ', 'ZEBULON', '19600101']) {
      expect(logged, `log contains ${value}`).to.not.include(value);
    }
  });

  it("blanks patient keys at any depth and logs an error by code and class, never a library's message", () => {
    const capture = new CaptureTransport();
    const log = createLogger({ level: 'debug', format: 'json' }, work, { console: false, transports: [capture] });
    const fromLibrary = new RangeError(`bad value in ${PATIENT.patientName}`);
    const fromOs = Object.assign(new Error("ENOENT: no such file or directory, open '/data/x'"), { code: 'ENOENT', syscall: 'open' });
    log.warn('checked', {
      PatientName: 'anything',
      nested: { accessionNumber: 'x', ok: 'fine' },
      error: fromLibrary,
      ours: new VigilError('TRIAGE_CORRUPT_FRAME', 'frame 1 of file 2 could not be decoded'),
      os: fromOs,
    });
    const record = JSON.parse(capture.lines[0]!) as Record<string, unknown>;
    expect(record).to.deep.include({
      PatientName: REDACTED,
      nested: { accessionNumber: REDACTED, ok: 'fine' },
      ours: 'TRIAGE_CORRUPT_FRAME: frame 1 of file 2 could not be decoded',
      os: "ENOENT: no such file or directory, open '/data/x'",
    });
    expect(record.error).to.match(/^RangeError at .*no-patient-data\.test\.ts.*\(message withheld: it may quote patient data\)$/);
    expect(capture.text()).to.not.include('QUIXOTEZ');
  });

  it("keeps operational fields whole when a patient's name shares their words (calling AE ACCEPT_SCU, TRIAGE_CORRUPT_FRAME)", async function () {
    requireTool(this, 'storescu', 'dcmtk');
    requireTool(this, 'dcmcjpls', 'dcmtk');
    const patient = { patientName: 'CORRUPT^ACCEPT^FRAME', patientId: 'PID-CORRUPT-ACCEPT' };
    const files = writeSeries(path.join(work, 'series'), { slices: 4, seed: 'ops-fields', ...patient });
    // One slice JPEG-LS with its codestream garbled: the triage job fails with TRIAGE_CORRUPT_FRAME.
    const compressed = path.join(work, 'corrupt.dcm');
    expect((await runDcmtk('dcmcjpls', [files[1]!, compressed])).code).to.equal(0);
    const bytes = fs.readFileSync(compressed);
    bytes.fill(0x00, bytes.length - 600, bytes.length - 20);
    fs.writeFileSync(compressed, bytes);
    const node = await startTestNode({ triage: { modelsDir: copyPacks(path.join(work, 'models'), ['test-volume']), workers: 1, maxAttempts: 1 } });
    try {
      const plain = await storescu(node.dicom.port, [files[0]!, files[2]!, files[3]!], { callingAe: 'ACCEPT_SCU' });
      expect(plain.code, plain.stderr).to.equal(0);
      const jpegLs = await storescu(node.dicom.port, [compressed], { callingAe: 'ACCEPT_SCU', extra: ['-R', '-xt'] });
      expect(jpegLs.code, jpegLs.stderr).to.equal(0);
      const { job } = node.triage.enqueue({ seriesId: seriesIdOf(node, 'ops-fields'), modelId: 'test-volume' });
      expect((await settled(node, job.id)).error?.code).to.equal('TRIAGE_CORRUPT_FRAME');
    } finally {
      await node.dispose();
    }
    const logged = node.logs.text();
    expect(logged).to.include('"callingAeTitle":"ACCEPT_SCU"');
    expect(logged).to.include('"code":"TRIAGE_CORRUPT_FRAME"');
    expect(logged).to.not.include(REDACTED + '_');
    for (const value of [...Object.values(patient), 'CORRUPT^ACCEPT']) expect(logged, `log contains ${value}`).to.not.include(value);
  });
});
