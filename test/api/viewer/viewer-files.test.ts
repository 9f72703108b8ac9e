import { expect } from 'chai';
import request from 'supertest';
import { rebaseIndexHtml } from '../../../src/api/viewer/ohif-dist.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';

describe('api/viewer: the OHIF files under /viewer/', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(() => node.dispose());

  it('serves the page rebased under /viewer/, without inline script or service worker, under its CSP', async () => {
    const res = await request(node.app).get('/viewer/').expect(200);
    expect(res.type).to.equal('text/html');
    expect(res.text).to.include('<script src="/viewer/vigil-boot.js"></script>');
    expect(res.text).to.include('src="/viewer/app-config.js"');
    expect(res.text).to.match(/src="\/viewer\/app\.bundle\.[0-9a-f]+\.js"/);
    expect(res.text).not.to.match(/ (src|href)="\/(?!viewer\/)/);
    expect(res.text).not.to.include('<script>');
    expect(res.text).not.to.include('init-service-worker');
    expect(res.headers['content-security-policy']).to.include("connect-src 'self'");
    expect(res.headers['cache-control']).to.equal('no-cache');
    // A route of the viewer's own is the same page; /viewer alone goes to /viewer/.
    expect((await request(node.app).get('/viewer/viewer?StudyInstanceUIDs=1.2.3').expect(200)).text).to.equal(res.text);
    expect((await request(node.app).get('/viewer').expect(301)).headers.location).to.equal('/viewer/');
  });

  it("points the data source at this node's /dicom-web and signs requests with the tab's token (token sign-in)", async () => {
    const res = await request(node.app).get('/viewer/app-config.js').expect(200);
    expect(res.type).to.equal('text/javascript');
    expect(res.text).to.include("window.location.origin + '/dicom-web'");
    expect(res.text).to.include('"imageRendering": "wadors"');
    expect(res.text).to.include('"routerBasename": "/viewer"');
    expect(res.text).to.include('sessionStorage.getItem("vigil.token")');
  });

  it('serves scripts, styles and wasm with their MIME types; the chunk loader and fonts rebased', async () => {
    const page = (await request(node.app).get('/viewer/').expect(200)).text;
    const bundle = /src="\/viewer\/(app\.bundle\.[0-9a-f]+\.js)"/.exec(page)![1]!;
    const js = await request(node.app).get(`/viewer/${bundle}`).expect(200);
    expect(js.type).to.equal('text/javascript');
    expect(js.text).to.include('__webpack_require__.p = "/viewer/"');
    const css = await request(node.app).get('/viewer/app.bundle.css').expect(200);
    expect(css.type).to.equal('text/css');
    expect(css.text).to.include('url(/viewer/');
    expect(css.text).not.to.match(/url\(\/(?!viewer\/)/);
    const wasm = await request(node.app)
      .get('/viewer/0ddf166f7a343eda.wasm')
      .buffer(true)
      .parse((r, done) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => done(null, Buffer.concat(parts)));
      })
      .expect(200);
    expect(wasm.headers['content-type']).to.equal('application/wasm');
    expect((wasm.body as Buffer).subarray(0, 4)).to.deep.equal(Buffer.from([0, 0x61, 0x73, 0x6d]));
  });

  it('answers a missing file, a dot file or a path out of the package with a 404 problem', async () => {
    for (const path of ['/viewer/nothing-here.js', '/viewer/%2e%2e/package.json', '/viewer/.hidden.js', '/viewer/..%2f..%2fpackage.json']) {
      const res = await request(node.app).get(path);
      expect(res.status, path).to.equal(404);
      expect(res.type, path).to.equal('application/problem+json');
    }
  });

  it('refuses to mount an index.html it does not know, rather than serve it half-rebased', () => {
    expect(() => rebaseIndexHtml('<html><script src="/app.js"></script></html>')).to.throw(/not the one of 3\.13\.2/);
  });
});
