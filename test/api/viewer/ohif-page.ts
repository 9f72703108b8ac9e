import path from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, ElementHandle } from 'playwright-core';
import { writePhantom, type PhantomOptions, type WrittenPhantom } from '../../../src/tools/phantom/phantom.js';
import { storescu, storeResponses } from '../../helpers/dcmtk.js';

/** Debian's Chromium, as the worklist page tests start it: no network of its own, no GPU. */
export async function launch(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A browser context at the viewer's size whose requests may reach loopback only: anything else is
 * aborted (the test OIDC provider's login page asks for a web font, for one).
 */
export async function loopbackContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  return context;
}

/** Draws a phantom study into `dir` and sends it with DCMTK's storescu: every instance stored. */
export async function storePhantomStudy(port: number, options: PhantomOptions, dir: string): Promise<WrittenPhantom> {
  const phantom = writePhantom(options, dir);
  const sent = await storescu(
    port,
    phantom.files.map((f) => path.join(phantom.dir, f)),
  );
  expect(storeResponses(sent).success, sent.stderr).to.equal(phantom.files.length);
  return phantom;
}

type Canvas2d = {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
};

/**
 * Grey levels (red channel) of a viewport's own canvas: the overlays (text, the onboarding tour)
 * are DOM above it, not in it.
 */
export async function canvasLevels(canvas: ElementHandle): Promise<{ distinct: number; min: number; max: number }> {
  return canvas.evaluate((c) => {
    const el = c as unknown as Canvas2d;
    const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data;
    if (!data) return { distinct: 0, min: 0, max: 0 };
    const seen = new Set<number>();
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4) {
      seen.add(data[i]!);
      min = Math.min(min, data[i]!);
      max = Math.max(max, data[i]!);
    }
    return { distinct: seen.size, min, max };
  });
}

/**
 * Pixels of a viewport's canvas that are not grey (R, G and B not all equal): a CT drawn with a
 * grey window has none; a segmentation's colour overlay does.
 */
export async function colouredPixels(canvas: ElementHandle): Promise<number> {
  return canvas.evaluate((c) => {
    const el = c as unknown as Canvas2d;
    const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data;
    if (!data) return 0;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1] || data[i + 1] !== data[i + 2]) coloured++;
    return coloured;
  });
}
