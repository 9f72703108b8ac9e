import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { performedStep } from '../../src/tools/demo/demo-set.js';
import { MppsScu } from '../../src/tools/demo/mpps-scu.js';
import { sendFiles } from '../../src/dicom/net/store-scu.js';
import { isVigilError } from '../../src/core/errors.js';
import { phantomInMemory } from '../../src/tools/phantom/phantom.js';
import { resourceIds } from '../../src/domain/resource-ids.js';
import { eventually } from '../helpers/eventually.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';

describe("demo: MPPS from the demo's DX room", function () {
  this.timeout(30_000);
  let node: TestNode;
  before(async () => {
    // The shipped idle window: a series seen complete within the test came through MPPS.
    node = await startTestNode({ series: { idleSeconds: 30 } });
  });
  after(() => node?.dispose());

  it('reports the step around the C-STORE, and the node knows the radiograph is complete at once', async () => {
    const { files } = phantomInMemory({ kind: 'cxr', finding: 'none', seed: 11, matrix: 8 });
    const step = performedStep(files);
    expect(step.sopInstanceUids).to.have.length(1);
    expect(step.modality).to.match(/^(DX|CR)$/);
    const file = path.join(node.dataDir, 'cxr.dcm');
    fs.writeFileSync(file, files[0]!.bytes);
    const peer = { host: '127.0.0.1', port: node.dicom.port, aeTitle: node.config.dicom.aeTitle };
    const scu = new MppsScu(peer, 'DX_ROOM_2');
    const uid = await scu.begin(step, new Date());
    const report = await sendFiles(peer, [file], { callingAeTitle: 'DX_ROOM_2' });
    expect(report.sent).to.equal(1);
    await scu.complete(uid, step, new Date());
    const seriesId = resourceIds({ patientId: step.patient.id, study: step.studyInstanceUid, series: step.seriesInstanceUid, instance: '' }).series;
    const state = await eventually(() => node.series?.stateOf(seriesId)?.state === 'stable' && node.series.stateOf(seriesId), 'the series stable', 10_000);
    expect(state && state.reason).to.equal('mpps');
  });

  it('says so when the node refuses the step (an N-SET of a step it never saw)', async () => {
    const { files } = phantomInMemory({ kind: 'cxr', finding: 'none', seed: 12, matrix: 8 });
    const scu = new MppsScu({ host: '127.0.0.1', port: node.dicom.port, aeTitle: node.config.dicom.aeTitle }, 'DX_ROOM_2');
    const err = await scu.complete('2.25.1234', performedStep(files), new Date()).catch((e: unknown) => e);
    expect(isVigilError(err, 'DEMO_API_REFUSED')).to.equal(true);
    expect((err as Error).message).to.match(/MPPS N-SET .*refused with status 0x0112/);
  });
});
