import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { apiAs } from '../helpers/api.js';
import { freePort, StoreScp } from '../helpers/storescp.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { requireTool } from '../helpers/tools.js';

const TLS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tls');
const CERT = path.join(TLS_DIR, 'peer-cert.pem');

describe('api/modalities: the DICOM nodes of the configuration, and C-ECHO to them', function () {
  this.timeout(30_000);
  let pacs: StoreScp;
  let tlsPacs: StoreScp;
  let node: TestNode;

  before(async function () {
    requireTool(this, 'storescp', 'dcmtk');
    pacs = new StoreScp(await freePort(), 'PACS');
    tlsPacs = new StoreScp(await freePort(), 'TLS_PACS', { keyFile: path.join(TLS_DIR, 'peer-key.pem'), certFile: CERT });
    await Promise.all([pacs.start(), tlsPacs.start()]);
    const down = await freePort();
    node = await startTestNode({
      dicom: {
        modalities: [
          { aeTitle: 'PACS', host: '127.0.0.1', port: pacs.port, description: 'the archive' },
          { aeTitle: 'CT_SCANNER_1', host: '10.1.2.3' },
          { aeTitle: 'OLD_PACS', host: '127.0.0.1', port: down },
          { aeTitle: 'TLS_PACS', host: '127.0.0.1', port: tlsPacs.port, tls: { caFile: CERT } },
        ],
      },
    });
  });
  after(async () => {
    await node?.dispose();
    await pacs?.dispose();
    await tlsPacs?.dispose();
  });

  it('lists them for IT, saying which can be reached', async () => {
    const list = (await (await apiAs(node, 'it')).get('/modalities').expect(200)).body as { aeTitle: string; reachable: boolean }[];
    expect(list.map((m) => [m.aeTitle, m.reachable])).to.deep.equal([
      ['PACS', true],
      ['CT_SCANNER_1', false],
      ['OLD_PACS', true],
      ['TLS_PACS', true],
    ]);
    await (await apiAs(node, 'radiologist')).get('/modalities').expect(403);
  });

  it('C-ECHOes one with an address: success, a peer that is down (with its code), one without an address', async () => {
    const it = await apiAs(node, 'it');
    const ok = (await it.post('/modalities/PACS/echo').expect(200)).body;
    expect(ok).to.include({
      aeTitle: 'PACS',
      ok: true,
      code: null,
      detail: `C-ECHO from ${node.config.dicom.aeTitle} to PACS at 127.0.0.1:${pacs.port} answered Success`,
    });
    expect(ok.elapsedMs).to.be.a('number');
    expect((await it.post('/modalities/OLD_PACS/echo').expect(200)).body).to.include({ ok: false, code: 'DICOM_PEER_UNAVAILABLE' });
    const noAddress = await it.post('/modalities/CT_SCANNER_1/echo').expect(409);
    expect(noAddress.body.detail).to.equal('modality "CT_SCANNER_1" has no host and port to reach it at');
    await it.post('/modalities/NOBODY/echo').expect(404);
    expect((await it.post('/modalities/TLS_PACS/echo').expect(200)).body).to.include({
      ok: true,
      detail: `C-ECHO from ${node.config.dicom.aeTitle} to TLS_PACS at 127.0.0.1:${tlsPacs.port} (TLS) answered Success`,
    });
  });
});
