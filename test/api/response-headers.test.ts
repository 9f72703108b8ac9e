import { expect } from 'chai';
import request from 'supertest';
import type { Response } from 'superagent';
import dimse from '../../src/dicom/net/dimse.js';
import { apiAs, type ApiClient } from '../helpers/api.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

function rawBody(res: Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/** Issue 20: item 8 (no caching, no sniffing) and newcomer 6 (the icon a browser asks for). */
describe('api: response headers and the icon', function () {
  this.timeout(60_000);
  let node: TestNode;
  let radiologist: ApiClient;
  let instanceId: string;

  before(async () => {
    node = await startTestNode();
    const work = makeTempDir();
    for (const f of writeSeries(work, { slices: 1, seed: 'headers' })) await sendWithDimseClient(node.dicom.port, dimse.Dataset.fromFile(f)!.getElements());
    removeDir(work);
    instanceId = node.index.listIds('instances', 0, 1)[0]!;
    radiologist = await apiAs(node, 'radiologist');
  });
  after(() => node.dispose());

  it('marks API answers, the DICOM file and problems no-store and nosniff', async () => {
    const answers = {
      json: await radiologist.get(`/instances/${instanceId}`).expect(200),
      tags: await radiologist.get(`/instances/${instanceId}/tags`).expect(200),
      file: await radiologist.get(`/instances/${instanceId}/file`).buffer(true).parse(rawBody).expect(200),
      notFound: await radiologist.get('/studies/00000000-00000000-00000000-00000000-00000000').expect(404),
      noToken: await request(node.app).get('/studies').expect(401),
      health: await request(node.app).get('/health').expect(200),
    };
    for (const [what, res] of Object.entries(answers)) {
      expect(res.headers['cache-control'], what).to.equal('no-store');
      expect(res.headers['x-content-type-options'], what).to.equal('nosniff');
    }
  });

  it('serves /favicon.ico without a token, as a cacheable icon the page links to', async () => {
    const icon = await request(node.app).get('/favicon.ico').buffer(true).parse(rawBody).expect(200);
    expect(icon.headers['content-type']).to.equal('image/x-icon');
    expect(icon.headers['cache-control']).to.equal('public, max-age=86400');
    expect(icon.headers['x-content-type-options']).to.equal('nosniff');
    // ICONDIR: reserved 0, type 1 (icon), then the image count.
    const body = icon.body as Buffer;
    expect([body.readUInt16LE(0), body.readUInt16LE(2)]).to.deep.equal([0, 1]);
    expect(body.readUInt16LE(4)).to.be.greaterThan(0);
    const page = await request(node.app).get('/').expect(200);
    expect(page.text).to.include('<link rel="icon" href="/favicon.ico"');
    expect(page.headers['cache-control']).to.equal('no-cache');
  });
});
