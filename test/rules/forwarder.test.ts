import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { QueuedJob } from '../../src/queue/job-store.js';
import { apiAs } from '../helpers/api.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { freePort, StoreScp, waitFor } from '../helpers/storescp.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { store } from '../series/helpers.js';

/** A site rule forwarding CT to the PACS of dicom.modalities (a DCMTK storescp), nothing else. */
function siteWithForwardRule(work: string, pacsPort: number) {
  const rules = path.join(work, 'rules.yaml');
  fs.writeFileSync(rules, 'rules:\n  - id: site.ct-to-pacs\n    when: { attr: Modality, equals: CT }\n    then: { forward: [PACS] }\n');
  return {
    dicom: { modalities: [{ aeTitle: 'PACS', host: '127.0.0.1', port: pacsPort }] },
    rules: { file: rules, watch: false },
    series: { idleSeconds: 0.2 },
  };
}

describe("rules/forwarder: the rules' forward action sends the series with C-STORE", function () {
  this.timeout(60_000);
  let peer: StoreScp;
  let work: string;
  const nodes: TestNode[] = [];

  beforeEach(async function () {
    requireTool(this, 'storescp', 'dcmtk');
    peer = new StoreScp(await freePort());
    work = makeTempDir();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.dispose();
    await peer?.dispose();
    if (work) removeDir(work);
  });

  it('forwards a matching series once, lists the job for IT, and leaves other series alone', async () => {
    await peer.start();
    const node = await startTestNode(siteWithForwardRule(work, peer.port));
    nodes.push(node);
    await store(node, writeSeries(`${work}/ct`, { seed: 'fwd-ct', slices: 3 }));
    await store(node, writeSeries(`${work}/mr`, { seed: 'fwd-mr', slices: 2, modality: 'MR' }));
    await waitFor(() => node.forwards.jobs().some((j) => j.state === 'done'), 'the forward');
    const api = await apiAs(node, 'it');
    const listed = (await api.get('/rules/forwards').expect(200)).body as QueuedJob[];
    expect(peer.files().sort()).to.deep.equal([0, 1, 2].map((i) => `CT.${uidFor(`fwd-ct/instance/${i}`)}`).sort());
    expect(listed).to.have.length(1);
    expect(listed[0]).to.include({ state: 'done', attempts: 1 });
    await api.get('/rules/forwards?state=stuck').expect(400);
  });

  it('forwards over DICOM TLS to a modality with a tls block', async () => {
    const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tls');
    const cert = path.join(tlsDir, 'peer-cert.pem');
    const secure = new StoreScp(await freePort(), 'PACS', { keyFile: path.join(tlsDir, 'peer-key.pem'), certFile: cert });
    await secure.start();
    try {
      const site = siteWithForwardRule(work, secure.port);
      const node = await startTestNode({ ...site, dicom: { modalities: [{ ...site.dicom.modalities[0]!, tls: { caFile: cert } }] } });
      nodes.push(node);
      await store(node, writeSeries(`${work}/ct`, { seed: 'fwd-tls', slices: 2 }));
      await waitFor(() => node.forwards.jobs().some((j) => j.state === 'done'), 'the forward over TLS');
      expect(secure.files()).to.have.length(2);
    } finally {
      await secure.dispose();
    }
  });

  it('keeps a forward waiting for a down PACS across a restart, then delivers', async () => {
    const first = await startTestNode(siteWithForwardRule(work, peer.port));
    await store(first, writeSeries(`${work}/ct`, { seed: 'fwd-late', slices: 2 }));
    await waitFor(() => first.forwards.jobs({ state: 'pending' }).some((j) => j.attempts > 0), 'a failed attempt');
    await first.stop();
    await peer.start();
    const second = await startTestNode(siteWithForwardRule(work, peer.port), { dataDir: first.dataDir });
    nodes.push(second);
    await waitFor(() => second.forwards.jobs({ state: 'done' }).length === 1, 'delivery after the restart');
    expect(peer.files()).to.have.length(2);
  });
});
