import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { AIR_SERIES } from '../../../src/alerts/channels/dicom/air/air-codes.js';
import type { WrittenPhantom } from '../../../src/tools/phantom/phantom.js';
import { localisationOf } from '../../../src/triage/localisation.js';
import { manifestSchema } from '../../../src/triage/manifest.js';
import { preprocessSeries } from '../../../src/triage/pipeline/preprocess.js';
import { encodePng } from '../../../src/triage/png.js';
import { eventually } from '../../helpers/eventually.js';
import { makeFinding } from '../../helpers/findings.js';
import { volumeManifest } from '../../helpers/manifests.js';
import { freePort } from '../../helpers/node-process.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { canvasLevels, colouredPixels, launch, loopbackContext, storePhantomStudy } from './ohif-page.js';

/** The model grid the seeded map lies on: 4 planes of 16 × 16 over the head. */
const GRID = { depth: 4, rows: 16, columns: 16 };

/**
 * A localisation map with one hot, graded blob (a bleed's worth of map) in the middle planes,
 * right of centre: 0 outside it, up to 0.95 at its centre.
 */
function blobMap(): Float32Array {
  const map = new Float32Array(GRID.depth * GRID.rows * GRID.columns);
  for (let z = 1; z <= 2; z++)
    for (let r = 0; r < GRID.rows; r++)
      for (let c = 0; c < GRID.columns; c++) {
        const d = Math.hypot(r - 7.5, c - 10);
        if (d < 4) map[z * GRID.rows * GRID.columns + r * GRID.columns + c] = 0.95 - d * 0.15;
      }
  return map;
}

/**
 * IHE AI Results in the node's own viewer: a head CT phantom with a large bleed pushed with
 * storescu, a finding on it with a localisation map, its SR, SEG and KOS stored back into the node
 * by a dicom destination that is the node itself; OHIF at /viewer/ lists them beside the CT and
 * lays the SEG over the CT.
 */
describe("api/viewer: the AI result's segmentation over the CT in OHIF (Chromium, DCMTK)", function () {
  this.timeout(120_000);
  let node: TestNode;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let work: string;
  let phantom: WrittenPhantom;
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  const dicomWeb: string[] = [];

  before(async function () {
    const chromiumPath = requireTool(this, 'chromium', 'chromium');
    requireTool(this, 'storescu', 'dcmtk');
    const dicomPort = await freePort();
    node = await startTestNode({
      dicom: { port: dicomPort },
      alerts: {
        destinations: [
          // The node's default SEG (binary), and the graded one a second destination asks for.
          { id: 'self', type: 'dicom', host: '127.0.0.1', port: dicomPort, aeTitle: 'VIGIL', when: { criticalOnly: false } },
          {
            id: 'self-probabilities',
            type: 'dicom',
            host: '127.0.0.1',
            port: dicomPort,
            aeTitle: 'VIGIL',
            send: ['seg'],
            segmentation: 'fractional',
            when: { criticalOnly: false },
          },
        ],
      },
    });
    base = `http://127.0.0.1:${node.http.port}`;
    work = makeTempDir('vigil-viewer-seg-');
    phantom = await storePhantomStudy(
      node.dicom.port,
      { kind: 'head-ct', finding: 'ich', size: 'large', seed: 11, matrix: 64, sliceThicknessMm: 10 },
      path.join(work, 'study'),
    );
    browser = await launch(chromiumPath);
    const context = await loopbackContext(browser);
    context.on('request', (r) => {
      if (r.url().includes('/dicom-web/')) dicomWeb.push(r.url());
    });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      consoleLines.push(`${m.type()}: ${m.text().slice(0, 500)}`);
      if (process.env.VIEWER_DEBUG) console.error('console', m.type(), m.text().slice(0, 500));
    });
    const token = await node.tokenFor('radiologist');
    await page.goto(`${base}/`);
    await page.evaluate(
      (t) => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('vigil.token', t),
      token,
    );
  });

  after(async () => {
    await browser?.close();
    await node?.dispose();
    if (work && !process.env.VIEWER_KEEP) removeDir(work);
  });

  it('stores the AI result set (SR, SEG, KOS) of a finding with a localisation map in the study, and the graded SEG in a series of its own', async () => {
    const instances = await eventually(() => {
      const [studyId] = node.index.listIds('studies', 0, 1);
      const [seriesId] = studyId ? node.index.childIds('studies', studyId) : [];
      const all = seriesId ? node.index.instancesUnder('series', seriesId) : [];
      return all.length === phantom.files.length ? all : undefined;
    }, 'the CT indexed');
    const manifest = manifestSchema.parse(
      volumeManifest({
        input: {
          kind: 'volume',
          name: 'input',
          dtype: 'float32',
          layout: 'NCDHW',
          grid: GRID,
          spacingMm: [10, 4, 4],
          channels: [{ kind: 'window', name: 'brain', center: 40, width: 80 }],
        },
      }),
    );
    const pre = await preprocessSeries(
      instances.map((i) => node.files.absolutePath(i.filePath)),
      manifest,
    );
    const map = blobMap();
    const placed = localisationOf(pre, map, [GRID.depth, GRID.rows, GRID.columns]);
    const localisation = { ...placed, images: placed.images.map((image) => ({ ...image, instanceId: instances[image.file]!.id })) };
    const key = instances[placed.images[Math.floor(placed.images.length / 2)]!.file]!;
    const studyId = node.index.getResource('series', key.seriesId)!.parentId!;
    const finding = makeFinding(
      {
        studyId,
        seriesId: key.seriesId,
        studyInstanceUid: phantom.label.series.studyInstanceUid,
        seriesInstanceUid: phantom.label.series.seriesInstanceUid,
        accessionNumber: 'ACC-SEG',
      },
      { keyInstanceId: key.id, hasKeyImage: true, findingSite: { system: 'http://snomed.info/sct', code: '12738006', display: 'Brain' } },
    );
    expect(node.triage.findings.record(finding, encodePng(4, 4, new Uint8Array(48).fill(90)), () => true, { localisation, map })).to.equal(true);
    const modalities = () =>
      node.index
        .childIds('studies', studyId)
        .map((id) => node.index.getResource('series', id)!.mainTags.Modality)
        .sort();
    await eventually(() => modalities().length >= 5, 'the SR, both SEGs and KOS stored back into the study', 30_000);
    expect(modalities()).to.deep.equal(['CT', 'KO', 'SEG', 'SEG', 'SR']);
  });

  /** Double-clicks a series' thumbnail and gives back how many coloured pixels the viewport then shows (0 after 20 s). */
  async function colourAfterOpening(description: string, screenshot: string): Promise<number> {
    await (await page.waitForSelector(`text=${description}`, { timeout: 45_000 })).dblclick();
    let coloured = 0;
    for (let attempt = 0; attempt < 40 && coloured === 0; attempt++) {
      await page.waitForTimeout(500);
      const canvas = await page.$('canvas.cornerstone-canvas');
      if (canvas) coloured = await colouredPixels(canvas);
    }
    await page.screenshot({ path: path.join(work, screenshot) });
    return coloured;
  }

  it('lists the SEG, SR and KO series beside the CT; the SR and KO break nothing (no page error, the CT drawn)', async () => {
    await page.goto(`${base}/viewer/viewer?StudyInstanceUIDs=${phantom.label.series.studyInstanceUid}`);
    const canvas = await page.waitForSelector('canvas.cornerstone-canvas', { timeout: 45_000 });
    const skip = await page.$('text=Skip all');
    if (skip) await skip.click();
    for (const series of [AIR_SERIES.seg, AIR_SERIES.segFractional, AIR_SERIES.sr, AIR_SERIES.kos])
      await page.waitForSelector(`text=${series.description}`, { timeout: 45_000 });
    // Each result series is listed under its modality.
    const listed = await page.textContent('body');
    for (const label of [
      `SEG${AIR_SERIES.seg.description}`,
      `SEG${AIR_SERIES.segFractional.description}`,
      `SR${AIR_SERIES.sr.description}`,
      `KO${AIR_SERIES.kos.description}`,
    ])
      expect(listed?.replace(/\s+/g, ''), label).to.include(label.replace(/\s+/g, ''));
    // The viewport opens on the first slice, above the head; the middle one shows it.
    await canvas.click();
    for (let k = 1; k < Math.ceil(phantom.files.length / 2); k++) await page.keyboard.press('ArrowDown');
    let levels = { distinct: 0, min: 0, max: 0 };
    for (let attempt = 0; attempt < 40 && levels.distinct < 16; attempt++) {
      if (attempt > 0) await page.waitForTimeout(500);
      levels = await canvasLevels(canvas);
    }
    await page.screenshot({ path: path.join(work, 'study-with-results.png') });
    expect(levels.distinct, `grey levels of the CT in the viewport (screenshot in ${work})`).to.be.at.least(16);
    expect(await colouredPixels(canvas), 'a CT alone has no colour').to.equal(0);
    expect(pageErrors).to.deep.equal([]);
  });

  it('OHIF 3.13.2 refuses the graded (FRACTIONAL, PROBABILITY) SEG, segmentation: fractional, with its own reason; the CT opens again from its thumbnail', async () => {
    await (await page.waitForSelector(`text=${AIR_SERIES.segFractional.description}`, { timeout: 45_000 })).dblclick();
    // What OHIF's SEG loader (@cornerstonejs/adapters) says: it takes a FRACTIONAL SEG only when
    // every value is 0 or MaximumFractionalValue. When a release draws graded SEGs, this fails.
    const refusal = 'Fractional segmentations are not yet supported';
    await eventually(() => consoleLines.some((l) => l.includes(refusal)), `OHIF's console: "${refusal}"`, 30_000);
    await page.screenshot({ path: path.join(work, 'fractional-seg.png') });
    const canvas = (await page.$('canvas.cornerstone-canvas'))!;
    expect(await colouredPixels(canvas), 'no overlay drawn').to.equal(0);
    // The viewport keeps its "Loading SEG..." cover; the CT's thumbnail (the one image series) brings the CT back.
    await (await page.waitForSelector('[data-cy="study-browser-thumbnail"]')).dblclick();
    await page.waitForSelector('text=Loading SEG', { state: 'hidden', timeout: 20_000 });
    const ct = await page.waitForSelector('canvas.cornerstone-canvas');
    await ct.click();
    for (let k = 1; k < Math.ceil(phantom.files.length / 2); k++) await page.keyboard.press('ArrowDown');
    let levels = { distinct: 0, min: 0, max: 0 };
    for (let attempt = 0; attempt < 20 && levels.distinct < 16; attempt++) {
      if (attempt > 0) await page.waitForTimeout(500);
      levels = await canvasLevels(ct);
    }
    await page.screenshot({ path: path.join(work, 'fractional-seg-refused.png') });
    expect(levels.distinct, `the CT still drawn and paged (screenshot in ${work})`).to.be.at.least(16);
    expect(pageErrors).to.deep.equal([]);
  });

  it("draws the node's own default (BINARY) SEG over the CT, its segment listed in the segmentation panel", async () => {
    await page.goto(`${base}/viewer/viewer?StudyInstanceUIDs=${phantom.label.series.studyInstanceUid}`);
    await page.waitForSelector('canvas.cornerstone-canvas', { timeout: 45_000 });
    const skip = await page.$('text=Skip all');
    if (skip) await skip.click();
    const coloured = await colourAfterOpening(AIR_SERIES.seg.description, 'binary-seg-over-ct.png');
    expect(coloured, `coloured pixels of the segment over the CT (screenshot in ${work})`).to.be.greaterThan(50);
    // OHIF previews a SEG first and asks whether to open it; opened, its panel lists the segment.
    await (await page.waitForSelector('button:has-text("Yes")', { timeout: 20_000 })).click();
    // The right side panel opens on the segmentation tab (OHIF names its tab buttons `{panel}-btn`).
    await (await page.waitForSelector('[data-cy^="panelSegmentation"][data-cy$="-btn"]', { timeout: 20_000 })).click();
    await page.waitForSelector('text=Hemorrhage (AI)', { timeout: 30_000 });
    await page.screenshot({ path: path.join(work, 'binary-seg-opened.png') });
    expect(pageErrors).to.deep.equal([]);
  });
});
