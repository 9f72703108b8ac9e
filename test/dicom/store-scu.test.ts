import { expect } from 'chai';
import { sendFiles } from '../../src/dicom/net/store-scu.js';
import { TransferSyntax } from '../../src/dicom/data/uids.js';
import { isVigilError } from '../../src/core/errors.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { freePort } from '../helpers/storescp.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

describe('dicom/store-scu: sending files as stored', function () {
  let node: TestNode;
  let work: string;

  before(async () => {
    node = await startTestNode();
    work = makeTempDir();
  });
  after(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('sends explicit VR files in explicit VR, with a status per file, in batches', async () => {
    const files = writeSeries(work, { slices: 5 });
    const report = await sendFiles({ host: '127.0.0.1', port: node.dicom.port, aeTitle: 'VIGIL' }, files, { callingAeTitle: 'SCU', batchSize: 2 });
    expect(report).to.deep.equal({ statuses: [0, 0, 0, 0, 0], sent: 5, failed: 0 });
    const syntaxes = node.index.allFilePaths().map((r) => node.index.getInstance(r.id)!.transferSyntaxUid);
    expect(new Set(syntaxes)).to.deep.equal(new Set([TransferSyntax.ExplicitVRLittleEndian]));
  });

  it('throws DICOM_PEER_UNAVAILABLE when nothing listens, or the association is rejected', async () => {
    const files = writeSeries(work, { slices: 1 });
    for (const peer of [
      { host: '127.0.0.1', port: await freePort(), aeTitle: 'DOWN' },
      { host: '127.0.0.1', port: node.dicom.port, aeTitle: 'NOT_VIGIL' },
    ]) {
      const error = await sendFiles(peer, files, { callingAeTitle: 'SCU', timeoutMs: 2000 }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isVigilError(error, 'DICOM_PEER_UNAVAILABLE'), String(error)).to.equal(true);
    }
  });
});
