import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';
import { scopedPack } from '../../helpers/triage.js';

const ARTIFACTS = path.resolve('test-artifacts', 'monitoring');
const DAY = 86_400_000;

/** The DOM the in-page checks read (the tests compile without the DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
interface PageGlobals {
  sessionStorage: { setItem(k: string, v: string): void };
}

/**
 * The go-live view of a model on the monitoring page, in Debian's Chromium: its figures with
 * their intervals, the score histogram against the validation baseline and the positive rate per
 * day against the validated one, drawn as SVG by the page's own code under its strict CSP.
 */
describe('worklist/page: the go-live view of each model, with its plots, in Chromium', function () {
  this.timeout(120_000);
  let node: TestNode;
  let work: string;
  let browser: Browser | undefined;
  let page: Page;
  const cspViolations: string[] = [];

  before(async function () {
    const executable = requireTool(this, 'chromium', 'chromium');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    work = makeTempDir();
    const models = scopedPack(path.join(work, 'models'), 'stroke', 'test pack');
    // The validation split's scores: most low, a tail above 0.6 (10 bins).
    fs.writeFileSync(
      path.join(models, 'stroke', 'score-baseline.json'),
      JSON.stringify({
        source: 'validation split (test)',
        edges: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
        counts: [60, 20, 6, 4, 2, 2, 2, 2, 1, 1],
      }),
    );
    node = await startTestNode({ triage: { modelsDir: models, workers: 1 } });
    node.triage.registry.site.setMode({ modelId: 'stroke', packVersion: '1.0.0', mode: 'shadow', author: 'test-it' });
    // Five days of findings: this site's normals score higher than the validation split's.
    const now = Date.now();
    let n = 0;
    for (let day = 4; day >= 0; day--) {
      for (const [probability, present] of [
        [0.05, false],
        [0.35, false],
        [0.45, false],
        [0.66, day % 2 === 0],
        [0.9, true],
      ] as const) {
        const study = seedStudy(node.index, `go-live-${n++}`);
        const positive = probability >= 0.62;
        const finding = makeFinding(study, {
          probability,
          positive,
          critical: false,
          priority: 'routine',
          mode: 'shadow',
          createdAt: now - day * DAY - 60_000,
        });
        expect(node.triage.findings.record(finding, null, () => true)).to.equal(true);
        node.worklist.feedback.give({ findingId: finding.id, by: 'dr', verdict: positive === present ? 'agree' : 'disagree', comment: null, at: now });
      }
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: executable,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
    page.on('pageerror', (err) => cspViolations.push(`page error: ${err.message}`));
  });
  after(async () => {
    await browser?.close();
    await node?.dispose();
    if (work) removeDir(work);
  });

  it('shows the figures, a histogram against the baseline and the positive rate per day against the validated one', async () => {
    const token = await node.tokenFor('it');
    await page.goto(`http://127.0.0.1:${node.http.port}/ui/monitoring.html`);
    await page.evaluate((t) => (globalThis as unknown as PageGlobals).sessionStorage.setItem('vigil.token', t), token);
    await page.reload();
    await page.waitForSelector('.go-live[data-model-id="stroke"] svg.plot-rate');

    const figures = await page.textContent('.go-live-figures');
    expect(figures).to.include('SHADOW: runs silent');
    expect(figures).to.include('shipped operating point "default" (threshold 0.5)');
    expect(figures).to.include('Findings25 (25 in shadow)');
    // 0.66 and 0.9 are positive each day: 10 of 25; the baseline has 5.6 % at or above 0.62 (4 above 0.7, and 0.8 of the 2 in 0.6-0.7).
    expect(figures).to.match(/Positive rate40% \(10\/25; 95% CI 23%–59%\) · validated 6% at threshold 0\.62/);
    // Verdicts: 0.9 always right (TP 5), 0.66 right on 3 days (TP 3) and wrong on 2 (FP 2), negatives right (TN 15).
    expect(figures).to.match(/Sensitivity \(from verdicts\)100% \(8\/8; 95% CI/);
    expect(figures).to.match(/Specificity \(from verdicts\)88% \(15\/17; 95% CI/);
    expect(figures).to.match(/PPV \(from verdicts\)80% \(8\/10; 95% CI/);
    expect(figures).to.match(/Agreement with radiologists92% \(23\/25/);

    // The histogram: a bar per bin for this site and for the baseline, and the threshold line.
    const hist = '.go-live[data-model-id="stroke"] svg.plot-histogram';
    expect(await page.$$eval(`${hist} rect.plot-prod:not(.plot-key)`, (r) => r.length)).to.equal(10);
    expect(await page.$$eval(`${hist} rect.plot-base:not(.plot-key)`, (r) => r.length)).to.equal(10);
    const titles = await page.$$eval(`${hist} rect.plot-prod:not(.plot-key) title`, (t) => t.map((x) => (x as unknown as PageElement).textContent));
    expect(titles[0]).to.equal('this site 0–0.1: 5 (20%)');
    expect(titles[6]).to.equal('this site 0.6–0.7: 5 (20%)');
    expect(await page.$$eval(`${hist} line.plot-threshold`, (l) => l.length)).to.equal(1);
    // Bar heights follow the shares: the baseline's first bin (60 %) is the tallest bar.
    const heights = await page.$$eval(`${hist} rect.plot-base:not(.plot-key)`, (r) =>
      r.map((x) => Number((x as unknown as PageElement).getAttribute('height'))),
    );
    expect(heights.indexOf(Math.max(...heights))).to.equal(0);

    // The positive rate: one point per day with findings, and the validated rate as a dashed line.
    const rate = '.go-live[data-model-id="stroke"] svg.plot-rate';
    const points = await page.$$eval(`${rate} circle.plot-point title`, (t) => t.map((x) => (x as unknown as PageElement).textContent));
    expect(points).to.have.length(5);
    expect(points.filter((p) => /: 2\/5 positive \(40%\)$/.test(p ?? ''))).to.have.length(5);
    expect(await page.$$eval(`${rate} line.plot-validated`, (l) => l.length)).to.equal(1);
    expect(await page.getAttribute(rate, 'aria-label')).to.equal('Positive rate of stroke per day against the validated rate');

    expect(cspViolations, 'no CSP violation and no page error').to.deep.equal([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'go-live.png'), fullPage: true });
  });
});
