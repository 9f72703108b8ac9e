import { expect } from 'chai';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { WrittenPhantom } from '../../../src/tools/phantom/phantom.js';
import { encodePng } from '../../../src/triage/png.js';
import { eventually } from '../../helpers/eventually.js';
import { makeFinding, type SeededStudy } from '../../helpers/findings.js';
import { freePort } from '../../helpers/node-process.js';
import { OIDC_CLIENT, TestOidcProvider } from '../../helpers/oidc-provider.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { canvasLevels, launch, loopbackContext, storePhantomStudy } from './ohif-page.js';

const ACCOUNTS = { rad: { name: 'Rita Adler', preferred_username: 'radler', groups: ['vigil-radiologists'] } };

describe("api/viewer: OHIF at /viewer against the node's own DICOMweb (Chromium, DCMTK, oidc-provider on loopback)", function () {
  this.timeout(90_000);
  let provider: TestOidcProvider;
  let node: TestNode;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let work: string;
  let phantom: WrittenPhantom;
  const requested: string[] = [];

  before(async function () {
    const chromiumPath = requireTool(this, 'chromium', 'chromium');
    requireTool(this, 'storescu', 'dcmtk');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = new TestOidcProvider(ACCOUNTS, base);
    const issuer = await provider.start();
    node = await startTestNode({
      http: { port },
      auth: {
        oidc: {
          issuer,
          clientId: OIDC_CLIENT.id,
          clientSecret: OIDC_CLIENT.secret,
          publicUrl: base,
          roleClaim: 'groups',
          roles: { radiologist: ['vigil-radiologists'] },
        },
      },
    });
    work = makeTempDir('vigil-viewer-');
    phantom = await storePhantomStudy(
      node.dicom.port,
      { kind: 'head-ct', finding: 'none', seed: 7, matrix: 128, sliceThicknessMm: 10 },
      path.join(work, 'study'),
    );

    browser = await launch(chromiumPath);
    context = await loopbackContext(browser);
    // Every request the browser makes once signed in (what left loopback was aborted, and is listed too).
    context.on('request', (r) => requested.push(r.url()));
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('viewer page error:', err.message));
    if (process.env.VIEWER_DEBUG) {
      page.on('console', (m) => console.error('console', m.type(), m.text().slice(0, 300)));
      page.on('requestfailed', (r) => console.error('failed', r.url(), r.failure()?.errorText));
      page.on('response', (r) => {
        if (r.status() >= 300) console.error('status', r.status(), r.url());
      });
    }
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
    await provider?.stop();
    if (work && !process.env.VIEWER_KEEP) removeDir(work);
  });

  it('sends a visitor without a session to the sign-in, and serves the viewer to the signed-in radiologist', async () => {
    const res = await fetch(`${base}/viewer/viewer?StudyInstanceUIDs=1.2.3`, { redirect: 'manual' });
    expect(res.status).to.equal(303);
    expect(res.headers.get('location')).to.equal('/auth/login');
    await page.goto(`${base}/`);
    await page.click('#oidc-sign-in');
    await page.fill('input[name="login"]', 'rad');
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    const consent = await page.waitForSelector('button:has-text("Continue"), #rows, #who');
    if ((await consent.textContent()) === 'Continue') await consent.click();
    await page.waitForSelector('#who:has-text("radler")');
    requested.length = 0;
  });

  it('lists the stored study at /viewer/, from QIDO-RS with the session cookie', async () => {
    await page.goto(`${base}/viewer/`);
    const [studyId] = node.index.listIds('studies', 0, 1);
    const description = node.index.getResource('studies', studyId!)!.mainTags.StudyDescription;
    expect(description, "the phantom's StudyDescription").to.be.a('string').and.not.equal('');
    // One row, with the study's description and its number of instances.
    const row = await page.waitForSelector(`tr:has-text(${JSON.stringify(description)})`, { timeout: 30_000 });
    expect(await row.textContent()).to.include(String(phantom.files.length));
    await page.screenshot({ path: path.join(work, 'study-list.png') });
    expect(requested.some((u) => u.startsWith(`${base}/dicom-web/studies?`))).to.equal(true);
  });

  it('opens the study as the worklist links it and renders the images in the viewport (a non-uniform canvas)', async () => {
    const uid = phantom.label.series.studyInstanceUid;
    await page.goto(`${base}/viewer/viewer?StudyInstanceUIDs=${uid}`);
    const canvas = await page.waitForSelector('canvas.cornerstone-canvas', { timeout: 45_000 });
    // The frames arrive over WADO-RS; the viewport is drawn once the first one is decoded.
    await page.waitForFunction(
      () => {
        const g = globalThis as unknown as { performance: { getEntriesByType(t: string): { name: string }[] } };
        return g.performance.getEntriesByType('resource').some((e) => /\/frames\/1$/.test(e.name));
      },
      undefined,
      { timeout: 45_000 },
    );
    // The first slices are below the head; the middle one shows it. OHIF's onboarding tour
    // (once per browser) goes first, then the viewport takes the keys (down: next image).
    const skip = await page.$('text=Skip all');
    if (skip) await skip.click();
    await canvas.click();
    const middle = Math.ceil(phantom.files.length / 2);
    for (let k = 1; k < middle; k++) await page.keyboard.press('ArrowDown');
    let levels = { distinct: 0, min: 0, max: 0 };
    for (let attempt = 0; attempt < 40 && levels.distinct < 16; attempt++) {
      if (attempt > 0) await page.waitForTimeout(500);
      await canvas.screenshot({ path: path.join(work, 'viewport.png') });
      levels = await canvasLevels(canvas);
    }
    expect(await page.textContent('body'), 'the viewport overlay names the image shown').to.include(`(${middle}/${phantom.files.length})`);
    expect(levels.distinct, `grey levels in the viewport's canvas (screenshot in ${work})`).to.be.at.least(16);
    expect(levels.max - levels.min).to.be.at.least(64);
  });

  it('made every request of the viewer to this node: nothing left loopback', () => {
    const elsewhere = requested.filter((u) => !u.startsWith(`${base}/`) && !/^(data|blob):/.test(u));
    expect(elsewhere).to.deep.equal([]);
    expect(requested.filter((u) => u.includes('/dicom-web/')).length).to.be.greaterThan(3);
    // Each DICOMweb call of the viewer is in the audit trail under the person signed in.
    const rows = node.audit.list({ since: 0, limit: 5000 }).entries.filter((r) => r.route.startsWith('/dicom-web/'));
    expect(rows.length).to.be.greaterThan(3);
    expect(rows.filter((r) => r.tokenName !== 'radler' || r.role !== 'radiologist')).to.deep.equal([]);
  });
});

describe('api/viewer: signed in with a token typed into the worklist page; the AI result beside the study (Chromium, DCMTK)', function () {
  this.timeout(90_000);
  let node: TestNode;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let work: string;
  let phantom: WrittenPhantom;
  const dicomWeb: { url: string; authorization: string | undefined }[] = [];

  before(async function () {
    const chromiumPath = requireTool(this, 'chromium', 'chromium');
    requireTool(this, 'storescu', 'dcmtk');
    // The AI's SR and key-image SC go back into the study by C-STORE: a dicom destination that
    // is this node itself (README: The viewer).
    const dicomPort = await freePort();
    node = await startTestNode({
      dicom: { port: dicomPort },
      // `sc`: the key image with its heat map burned in is no longer in the default set.
      alerts: {
        destinations: [
          { id: 'self', type: 'dicom', host: '127.0.0.1', port: dicomPort, aeTitle: 'VIGIL', send: ['sr', 'sc', 'kos'], when: { criticalOnly: false } },
        ],
      },
    });
    base = `http://127.0.0.1:${node.http.port}`;
    work = makeTempDir('vigil-viewer-');
    phantom = await storePhantomStudy(
      node.dicom.port,
      { kind: 'head-ct', finding: 'none', seed: 8, matrix: 64, sliceThicknessMm: 10 },
      path.join(work, 'study'),
    );
    browser = await launch(chromiumPath);
    const context = await loopbackContext(browser);
    context.on('request', (r) => {
      if (r.url().includes('/dicom-web/')) dicomWeb.push({ url: r.url(), authorization: r.headers().authorization });
    });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
    if (work && !process.env.VIEWER_KEEP) removeDir(work);
  });

  it('sends a tab without a token back to the worklist page to sign in', async () => {
    await page.goto(`${base}/viewer/`);
    await page.waitForURL(`${base}/`);
    await page.waitForSelector('#token');
    expect(dicomWeb, 'no DICOMweb request without a token').to.deep.equal([]);
  });

  it("signs every DICOMweb request of the viewer with the tab's token, and shows the study", async () => {
    const token = await node.tokenFor('radiologist');
    await page.evaluate(
      (t) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('vigil.token', t),
      token,
    );
    await page.goto(`${base}/viewer/viewer?StudyInstanceUIDs=${phantom.label.series.studyInstanceUid}`);
    await page.waitForSelector('canvas.cornerstone-canvas', { timeout: 45_000 });
    await page.waitForFunction(
      () => {
        const g = globalThis as unknown as { performance: { getEntriesByType(t: string): { name: string }[] } };
        return g.performance.getEntriesByType('resource').some((e) => /\/frames\/1$/.test(e.name));
      },
      undefined,
      { timeout: 45_000 },
    );
    expect(dicomWeb.length).to.be.greaterThan(2);
    expect(dicomWeb.filter((r) => r.authorization !== `Bearer ${token}`).map((r) => r.url)).to.deep.equal([]);
    // Nothing of the token in a URL.
    expect(dicomWeb.filter((r) => r.url.includes(token))).to.deep.equal([]);
    expect(page.url()).not.to.include(token);
  });

  it('shows the AI result as series of the study: the key image with its heat map, stored back by the dicom destination', async () => {
    const [studyId] = node.index.listIds('studies', 0, 1);
    const [seriesId] = node.index.childIds('studies', studyId!);
    const instanceIds = node.index.childIds('series', seriesId!);
    const key = node.index.getInstance(instanceIds[Math.floor(instanceIds.length / 2)]!)!;
    const studyTags = node.index.getResource('studies', studyId!)!.mainTags;
    const study: SeededStudy = {
      studyId: studyId!,
      seriesId: seriesId!,
      studyInstanceUid: phantom.label.series.studyInstanceUid,
      seriesInstanceUid: phantom.label.series.seriesInstanceUid,
      instanceId: key.id,
      sopInstanceUid: key.sopInstanceUid,
      accessionNumber: String(studyTags.AccessionNumber ?? ''),
    };
    // A key image with a bright, uneven "heat map": 96 × 96 RGB.
    const rgb = new Uint8Array(96 * 96 * 3).map((_, i) => (i % 3 === 0 ? (i * 7) % 256 : (i * 3) % 200));
    expect(node.triage.findings.record(makeFinding(study, { keyInstanceId: key.id, hasKeyImage: true }), encodePng(96, 96, rgb), () => true)).to.equal(true);
    await eventually(() => node.index.count('series') >= 4, 'the SR, the key-image SC and the KOS stored back into the study', 20_000);

    await page.goto(`${base}/viewer/viewer?StudyInstanceUIDs=${study.studyInstanceUid}`);
    const thumbnail = await page.waitForSelector('text=AI triage key images', { timeout: 45_000 });
    await page.screenshot({ path: path.join(work, 'study-with-ai-result.png') });
    const scSeries = node.index
      .childIds('studies', studyId!)
      .map((id) => node.index.getResource('series', id)!.mainTags)
      .find((tags) => tags.Modality === 'OT')!.SeriesInstanceUID;
    await thumbnail.dblclick();
    await eventually(
      () => dicomWeb.some((r) => r.url.includes(`/series/${scSeries}/`) && r.url.endsWith('/frames/1')),
      "the key image's frame requested",
      45_000,
    );
    const canvas = (await page.$('canvas.cornerstone-canvas'))!;
    let levels = { distinct: 0, min: 0, max: 0 };
    for (let attempt = 0; attempt < 40 && levels.distinct < 16; attempt++) {
      if (attempt > 0) await page.waitForTimeout(500);
      levels = await canvasLevels(canvas);
    }
    await page.screenshot({ path: path.join(work, 'ai-key-image.png') });
    expect(await page.textContent('body')).to.include('AI triage key images');
    expect(levels.distinct, `grey levels of the key image in the viewport (screenshot in ${work})`).to.be.at.least(16);
    expect(dicomWeb.filter((r) => r.authorization === undefined).map((r) => r.url)).to.deep.equal([]);
  });
});
