import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { renderKeyImage } from '../../../src/triage/key-image.js';
import { makeFinding, seedStudy, type SeededStudy } from '../../helpers/findings.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { scopedPack } from '../../helpers/triage.js';
import { WebhookReceiver } from '../../helpers/webhook-receiver.js';

/**
 * The little of the DOM the in-page checks read: the tests are compiled without the DOM library,
 * and these casts vanish when a function is sent to the page.
 */
interface Rect {
  top: number;
  bottom: number;
  height: number;
}
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  naturalWidth: number;
  naturalHeight: number;
  scrollWidth: number;
  clientWidth: number;
  scrollTop: number;
  src: string;
  getBoundingClientRect(): Rect;
  querySelector(selector: string): PageElement | null;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    activeElement: PageElement | null;
    documentElement: PageElement;
  };
  innerHeight: number;
  sessionStorage: { length: number };
  getComputedStyle(el: PageElement): { lineHeight: string };
  fetch(url: string): Promise<unknown>;
  marker?: number;
}

/** Screenshots of each step, kept for people to look at (git-ignored). */
const ARTIFACTS = path.resolve('test-artifacts', 'worklist');

/** Debian's Chromium, never a downloaded browser; no network of its own, no GPU. */
async function launch(executablePath: string): Promise<Browser> {
  // Loaded here, not at the top: a checkout without it fails this test, not the whole suite's loading.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A head-CT-like slice (skull ring, brain) with a heat map over a right-sided blob. */
function keyImagePng(): Buffer {
  const n = 128;
  const pixels = new Int16Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const r = Math.hypot(x - n / 2, (y - n / 2) * 1.15);
      pixels[y * n + x] = r > 52 ? -1000 : r > 46 ? 1200 : Math.hypot(x - 84, y - 58) < 9 ? 75 : 35;
    }
  }
  const m = 16;
  const map = new Float32Array(m * m);
  for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) map[y * m + x] = Math.exp(-((x - 10.5) ** 2 + (y - 7.2) ** 2) / 3);
  return renderKeyImage({
    pixels,
    rows: n,
    columns: n,
    rescale: { slope: 1, intercept: 0 },
    window: { center: 40, width: 80 },
    invert: false,
    map,
    mapRows: m,
    mapColumns: m,
    mapMax: 1,
    columnOrigin: 0,
    rowOrigin: 0,
    columnStep: 1,
    rowStep: 1,
    gridRows: n,
    gridColumns: n,
    maxSide: 512,
  }).png;
}

const SCOPE = 'made for large bleeds only: a negative result does not rule out a small one';

describe("worklist/page: the radiologist's page in Debian's Chromium", function () {
  let node: TestNode;
  let hook: WebhookReceiver;
  let browser: Browser | undefined;
  let page: Page;
  let studies: SeededStudy[];
  let work: string | undefined;

  before(async function () {
    const executable = requireTool(this, 'chromium', 'chromium');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    hook = new WebhookReceiver();
    work = makeTempDir();
    node = await startTestNode({
      alerts: { destinations: [{ id: 'team', type: 'webhook', url: await hook.start(), secret: 'shh', when: {} }] },
      // The findings here come from model `stroke` 1.0.0: a pack of that name declares a scope.
      triage: { modelsDir: scopedPack(path.join(work, 'models'), 'stroke', SCOPE), workers: 1 },
      // The site's own viewer: a link only, never followed here (no request leaves loopback).
      worklist: { viewerUrlTemplate: 'https://viewer.invalid/view?study={StudyInstanceUID}' },
    });
    const now = Date.now();
    studies = [
      seedStudy(node.index, 'page-1', { patientName: 'ALPHA^ADA', receivedAt: now - 95 * 60_000 }),
      seedStudy(node.index, 'page-2', { patientName: 'BRAVO^BEN', receivedAt: now - 40 * 60_000, modality: 'CR' }),
      // The key image's instance, as a CT writes it: the page says where it is in the series.
      seedStudy(node.index, 'page-3', {
        patientName: 'CHARLIE^CLEO',
        receivedAt: now - 4 * 60_000,
        seriesTags: { SeriesNumber: '3', SeriesDescription: 'AX 5mm' },
        instanceTags: { InstanceNumber: '42', ImagePositionPatient: '-120\\-120\\-35', ImageOrientationPatient: '1\\0\\0\\0\\1\\0' },
      }),
    ];
    browser = await launch(executable);
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    page.on('pageerror', (err) => console.error('page error:', err.message));
  });
  after(async () => {
    await browser?.close();
    await node?.dispose();
    await hook?.stop();
    if (work) removeDir(work);
  });

  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const rowIds = () => page.$$eval('#rows tr', (rows) => rows.map((r) => (r as unknown as PageElement).dataset.studyId));

  it('before sign-in shows the sign-in box only: no empty worklist under it', async () => {
    await page.goto(`http://127.0.0.1:${node.http.port}/`);
    await page.waitForSelector('#token');
    expect(await page.isVisible('#sign-in')).to.equal(true);
    // `hidden` must beat .workspace's display: grid.
    expect(await page.isVisible('#workspace'), 'the workspace').to.equal(false);
    expect(await page.isVisible('#list'), 'the table').to.equal(false);
    expect(await page.isVisible('#sign-out'), 'the sign-out button').to.equal(false);
    await shot('0-before-sign-in');
  });

  it('signs in with a token and shows the list, oldest first at equal priority', async () => {
    await page.fill('#token', await node.tokenFor('radiologist'));
    await page.press('#token', 'Enter');
    await page.waitForSelector('#rows tr');
    await page.waitForSelector('#live-state[data-state="live"]');
    expect(await rowIds()).to.deep.equal(studies.map((s) => s.studyId));
    expect(await page.textContent('#rows tr:first-child .c-patient')).to.include('ALPHA, ADA');
    await shot('1-signed-in');
  });

  it("fetches the list again, without a reload, when the cluster's relay says changes may be lost (resync)", async () => {
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).marker = 2));
    const fetched = page.waitForRequest((r) => new URL(r.url()).pathname === '/worklist' && r.method() === 'GET', { timeout: 5000 });
    node.bus.emit('live-resync', { reason: 'peer-reconnected' });
    await fetched;
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).marker), 'the page was not reloaded').to.equal(2);
    expect(await rowIds()).to.deep.equal(studies.map((s) => s.studyId));
  });

  it('a new positive finding moves its study to the top without a reload, within two seconds', async () => {
    const newest = studies[2]!;
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).marker = 1));
    // Made on 180 of the 240 images the series announces (a push cut short): the detail says so.
    const finding = makeFinding(newest, {
      keyInstanceId: newest.instanceId!,
      keySliceIndex: 12,
      hasKeyImage: true,
      probability: 0.94,
      incompleteSeries: { images: 180, announced: 240 },
    });
    const started = Date.now();
    expect(node.triage.findings.record(finding, keyImagePng(), () => true)).to.equal(true);
    // A functional deadline, not a benchmark: the page must follow the findings while it is open.
    await page.waitForFunction(
      (id) => {
        const first = (globalThis as unknown as PageGlobals).document.querySelector('#rows tr:first-child');
        return first?.dataset.studyId === id && first.dataset.priority === 'stat';
      },
      newest.studyId,
      { timeout: 2000 },
    );
    const elapsed = Date.now() - started;
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).marker), 'the page was not reloaded').to.equal(1);
    const top = page.locator('#rows tr:first-child');
    expect(await top.locator('.badge-stat').textContent()).to.equal('STAT');
    expect(await top.locator('.badge-ai').textContent()).to.equal('AI ↑');
    expect(await top.locator('.c-why').textContent()).to.equal('● Critical Hemorrhage 94% · stroke 1.0.0');
    expect(await top.locator('.c-why').getAttribute('title')).to.equal('AI: critical Hemorrhage 94% (stroke 1.0.0), raised from routine');
    expect(await page.textContent('#announcer')).to.include('STAT study now at the top');
    console.log(`      (moved to the top ${elapsed} ms after the finding was stored)`);
    await shot('2-stat-on-top');
  });

  it('shows the key image with its heat map, and acknowledges the alert', async () => {
    await page.click('#rows tr:first-child');
    await page.waitForSelector('#key-image:not([hidden])');
    const size = await page.$eval('#key-image', (img) => [(img as unknown as PageElement).naturalWidth, (img as unknown as PageElement).naturalHeight]);
    expect(size, 'the PNG triage stored').to.deep.equal([128, 128]);
    expect(await page.textContent('#detail-facts')).to.include('incomplete: the model saw 180 of 240 images');
    expect(await page.textContent('#detail-caveat')).to.equal('Partial result: the model saw 180 of 240 images.');
    expect(await page.textContent('#findings')).to.include('on 180 of 240 images');
    expect(await page.textContent('#detail-facts')).to.include(`Scope${SCOPE}`);
    expect(await page.textContent('#findings')).to.include(SCOPE);
    // Where to find it in the viewer: series, image number, table position.
    expect(await page.textContent('#key-place')).to.equal('Series 3 (AX 5mm) · image 42 · z −35.0 mm');
    expect(await page.textContent('#detail-facts')).to.include('Modelstroke 1.0.0');
    expect(await page.textContent('#detail'), 'the device UID is for support, not the reading desk').not.to.include('2.25.1234567890');
    // The link to the hospital's viewer opens the study there, in a tab that learns nothing of this one.
    const link = await page.$eval('#viewer-link', (a) =>
      ['href', 'target', 'rel'].map((k) => (a as unknown as { getAttribute(k: string): string }).getAttribute(k)),
    );
    expect(link).to.deep.equal([`https://viewer.invalid/view?study=${studies[2]!.studyInstanceUid}`, '_blank', 'noopener noreferrer']);
    // The node's own viewer opens in this tab: its sessionStorage holds the token the viewer signs with.
    const own = await page.$eval('#study-viewer-link', (a) =>
      ['href', 'target'].map((k) => (a as unknown as { getAttribute(k: string): string | null }).getAttribute(k)),
    );
    expect(own).to.deep.equal([`/viewer/viewer?StudyInstanceUIDs=${studies[2]!.studyInstanceUid}`, null]);
    await page.waitForSelector('#ack:not([disabled])');
    await shot('3-detail-with-key-image');
    await page.click('#ack');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('#ack')?.textContent === 'Acknowledged by test-radiologist');
    const alerts = node.alerts.alerts.list({ studyId: studies[2]!.studyId, limit: 5 });
    expect(alerts.map((a) => [a.state, a.acknowledgedBy])).to.deep.equal([['acknowledged', 'test-radiologist']]);
    await shot('4-acknowledged');
  });

  it('works from the keyboard: move, claim, agree', async () => {
    await page.focus('#rows tr[aria-selected="true"]');
    await page.keyboard.press('ArrowDown');
    expect(await page.$eval('#rows tr[aria-selected="true"]', (r) => (r as unknown as PageElement).dataset.studyId)).to.equal(studies[0]!.studyId);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.dataset.studyId)).to.equal(studies[0]!.studyId);
    await page.keyboard.press('k');
    await page.keyboard.press('c');
    await page.waitForSelector('#rows tr:first-child[data-status="in-progress"]');
    await page.keyboard.press('y');
    await page.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document.querySelector('#feedback-list')?.textContent?.includes('test-radiologist: agree'),
    );
    await shot('5-claimed-and-agreed');
  });

  it('at 1600 × 900: no column cut off, rows two lines at most, the key image and its buttons above the fold', async () => {
    await page.waitForSelector('#key-image:not([hidden])');
    const layout = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const { document, innerHeight } = g;
      const pane = document.querySelector('.list-pane')!;
      const lineHeight = parseFloat(g.getComputedStyle(document.querySelector('#rows td')!).lineHeight);
      // No helper functions in here: tsx names them with a __name() the page does not have.
      const bottoms = ['#key-image', '#key-place', '#ack', '#mark-read'].map((selector) => document.querySelector(selector)!.getBoundingClientRect().bottom);
      return {
        listOverflow: document.querySelector('#list')!.scrollWidth - pane.clientWidth,
        clipped: Array.from(document.querySelectorAll('#rows td, #rows .sub-line'))
          .filter((c) => c.scrollWidth > c.clientWidth + 1)
          .map((c) => c.textContent),
        rowLines: Array.from(document.querySelectorAll('#rows tr')).map((r) => Math.round((r.getBoundingClientRect().height / lineHeight) * 10) / 10),
        // What is on screen without scrolling: the window, and in it the detail pane above the footer.
        visibleBottom: Math.min(innerHeight, document.querySelector('#detail')!.getBoundingClientRect().bottom),
        bottoms,
        detailScrolled: document.querySelector('#detail')!.scrollTop,
        status: document.querySelector('#rows tr:first-child .c-status')!.textContent,
      };
    });
    await shot('6-layout-1600');
    console.log(
      `      (row heights in lines: ${layout.rowLines.join(', ')}; Mark read ends at ${Math.round(layout.bottoms[3]!)} of ${Math.round(layout.visibleBottom)} px)`,
    );
    expect(layout.listOverflow, 'the table is wider than its pane').to.be.at.most(0);
    expect(layout.clipped, 'cells whose text is cut off').to.deep.equal([]);
    expect(layout.status).to.equal('In progresstest-radiologist');
    // Two lines of text and the cell padding: under three line heights.
    for (const lines of layout.rowLines) expect(lines, `row heights in lines: ${layout.rowLines.join(', ')}`).to.be.below(3);
    expect(layout.detailScrolled).to.equal(0);
    ['key image', 'its place', 'Acknowledge', 'Mark read'].forEach((what, i) => {
      expect(layout.bottoms[i], `${what} ends at ${layout.bottoms[i]} px, the detail pane shows ${layout.visibleBottom} px`).to.be.at.most(
        layout.visibleBottom,
      );
    });
  });

  it('"Mark read" over an unacknowledged critical alert asks to acknowledge it first', async () => {
    const study = studies[0]!;
    expect(node.triage.findings.record(makeFinding(study, { probability: 0.9993 }), null, () => true)).to.equal(true);
    const [alert] = node.alerts.alerts.list({ studyId: study.studyId, limit: 5 });
    expect(alert?.state).to.equal('open');
    await page.click(`#rows tr[data-study-id="${study.studyId}"]`);
    await page.waitForFunction(
      (id) =>
        (globalThis as unknown as PageGlobals).document.querySelector('#ack')?.dataset.state === 'open' &&
        (globalThis as unknown as PageGlobals).document.querySelector('#rows tr[aria-selected="true"]')?.dataset.studyId === id,
      study.studyId,
    );
    expect(await page.textContent('#rows tr[aria-selected="true"] .c-why')).to.include('Hemorrhage > 99.9%');
    await page.keyboard.press('r');
    await page.waitForSelector('#read-confirm:not([hidden])');
    expect(await page.textContent('#read-confirm-text')).to.equal(
      'The critical alert on this study is not acknowledged: Hemorrhage > 99.9% (stroke 1.0.0). Acknowledge it and mark the study read?',
    );
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent)).to.equal('Acknowledge and mark read');
    await shot('7-mark-read-asks');
    // Asking changed nothing.
    expect(node.worklist.reading.get(study.studyId).status).to.equal('unread');
    expect(node.alerts.alerts.get(alert!.id)!.state).to.equal('open');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#read-confirm', { state: 'hidden' });
    expect(node.alerts.alerts.get(alert!.id)!.state).to.equal('open');

    await page.keyboard.press('r');
    await page.waitForSelector('#read-confirm:not([hidden])');
    await page.click('#ack-and-read');
    await page.waitForSelector(`#rows tr[data-study-id="${study.studyId}"]`, { state: 'detached' });
    expect(node.worklist.reading.get(study.studyId)).to.include({ status: 'read', readBy: 'test-radiologist' });
    expect(node.alerts.alerts.get(alert!.id)).to.include({ state: 'acknowledged', acknowledgedBy: 'test-radiologist' });
  });

  it('shows the per-model figures on the monitoring page, and says when there are none yet', async () => {
    await page.click('a[href="/ui/monitoring.html"]');
    await page.waitForSelector('#models table');
    expect(await page.textContent('#models h2')).to.equal('stroke');
    expect(await page.textContent('#models tbody')).to.match(/^No data yet: figures are computed each night/);
    await shot('8-monitoring-no-data-yet');
    node.worklist.monitor.runOnce(Date.now() + 86_400_000);
    await page.reload();
    await page.waitForSelector('#models tbody tr:not(.no-data)');
    expect(await page.textContent('#models tbody tr:first-child')).to.match(/^\d{4}-\d{2}-\d{2}2100%100% \(1\/1\)2–no baseline$/);
    await shot('8-monitoring');
  });

  it('says in the study detail when a later negative on the series withdrew the alert', async () => {
    const study = studies[2]!;
    const negative = makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.03 });
    expect(node.triage.findings.record(negative, null, () => true)).to.equal(true);
    expect(node.alerts.alerts.list({ studyId: study.studyId, limit: 5 }).map((a) => a.state)).to.deep.equal(['withdrawn']);
    await page.goto(`http://127.0.0.1:${node.http.port}/`);
    await page.click(`#rows tr[data-study-id="${study.studyId}"]`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('#alert-state')?.textContent?.includes('withdrawn'));
    expect(await page.textContent('#alert-state')).to.equal(
      'Critical alert withdrawn: run again on a later version of the series, the model was negative. The study still needs its reading.',
    );
    expect(await page.isDisabled('#ack')).to.equal(true);
    await shot('9-alert-withdrawn');
  });

  it('marks a result made on a series still arriving PRELIMINARY, in the row and the detail, until the complete series confirms it', async () => {
    const study = studies[1]!;
    const early = makeFinding(study, { probability: 0.91, preliminary: true });
    expect(node.triage.findings.record(early, null, () => true)).to.equal(true);
    await page.goto(`http://127.0.0.1:${node.http.port}/`);
    const row = page.locator(`#rows tr[data-study-id="${study.studyId}"]`);
    await row.locator('.badge-preliminary').waitFor();
    expect(await row.locator('.badge-preliminary').textContent()).to.equal('PRELIMINARY');
    expect(await row.locator('.c-why').textContent(), 'the badge, then what was found').to.equal('● PRELIMINARYCritical Hemorrhage 91% · stroke 1.0.0');
    await row.click();
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('#findings')?.textContent?.includes('PRELIMINARY'));
    expect(await page.textContent('#findings')).to.include('PRELIMINARY (series still arriving) · Positive: Hemorrhage 91%');
    await shot('10-preliminary');

    // The complete series gives the final result: the mark goes, live, without a reload.
    const final = makeFinding(study, { probability: 0.93 });
    expect(node.triage.findings.record(final, null, () => true)).to.equal(true);
    await row.locator('.badge-preliminary').waitFor({ state: 'detached' });
    expect(await row.locator('.c-why').textContent()).to.equal('● Critical Hemorrhage 93% · stroke 1.0.0');
    await shot('11-confirmed');
  });

  it('Sign out leaves nothing about patients on the screen or in the page', async () => {
    // The last study looked at had a key image: a shared reading-room PC must not keep it.
    const study = studies[2]!;
    const finding = makeFinding(study, { keyInstanceId: study.instanceId!, hasKeyImage: true, probability: 0.88 });
    expect(node.triage.findings.record(finding, keyImagePng(), () => true)).to.equal(true);
    await page.click(`#rows tr[data-study-id="${study.studyId}"]`);
    await page.waitForSelector('#key-image:not([hidden])');
    await page.fill('#feedback-comment', 'CLEO: compare with last week');
    const blob = await page.$eval('#key-image', (img) => (img as unknown as PageElement).src);
    expect(blob).to.match(/^blob:/);

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    await shot('10-signed-out');
    expect(await page.isVisible('#workspace')).to.equal(false);
    const left = await page.evaluate(async (src) => {
      const g = globalThis as unknown as PageGlobals;
      let blobReadable = true;
      try {
        await g.fetch(src);
      } catch {
        blobReadable = false;
      }
      return {
        text: g.document.documentElement.textContent ?? '',
        images: Array.from(g.document.querySelectorAll('img[src]')).length,
        stored: g.sessionStorage.length,
        blobReadable,
      };
    }, blob);
    for (const trace of ['ALPHA', 'BRAVO', 'CHARLIE', 'CLEO', 'PID-page', 'ACC-page', 'CT HEAD WO', 'Hemorrhage', 'AX 5mm', 'test-radiologist']) {
      expect(left.text, `"${trace}" is still in the page`).not.to.include(trace);
    }
    expect(await page.inputValue('#feedback-comment')).to.equal('');
    expect(left.images, 'images with a source').to.equal(0);
    expect(left.blobReadable, "the key image's blob URL was revoked").to.equal(false);
    expect(left.stored, 'the token is gone from sessionStorage').to.equal(0);

    // And the next person signs in to a page that works.
    await page.fill('#token', await node.tokenFor('radiologist'));
    await page.press('#token', 'Enter');
    await page.waitForSelector('#rows tr');
    await page.click(`#rows tr[data-study-id="${studies[1]!.studyId}"]`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('#detail-title')?.textContent?.startsWith('BRAVO, BEN'));
  });
});
