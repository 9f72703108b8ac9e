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
import { PatientDataRedactor, REDACTED } from '../../src/log/redact.js';
import dimse from '../../src/dicom/dimse.js';

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
      const command = dimse.Dataset.fromFile(files[0]!)!.getElements() as Record<string, unknown>;
      const refused = await sendWithDimseClient(node.dicomPort, { ...command, SOPInstanceUID: '1.2.3.999' }, {
        rawBytes: datasetBytes(files[0]!).subarray(0, 3000),
      });
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

  it('the redactor blanks patient keys and scrubs remembered identifiers from any text', () => {
    const redactor = new PatientDataRedactor();
    redactor.remember(PATIENT.patientName, PATIENT.patientId);
    expect(redactor.scrubText(`failed for ZEBULON QUIXOTEZ (${PATIENT.patientId})`)).to.equal(`failed for ${REDACTED} ${REDACTED} (${REDACTED})`);
    expect(redactor.scrub({ PatientName: 'anything', nested: { accessionNumber: 'x', ok: 'fine' } })).to.deep.equal({
      PatientName: REDACTED,
      nested: { accessionNumber: REDACTED, ok: 'fine' },
    });
  });
});
