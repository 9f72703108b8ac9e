import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { ManualClock } from '../../../src/core/clock.js';
import { seedStudy, type SeededStudy } from '../../helpers/findings.js';
import { freePort } from '../../helpers/node-process.js';
import { OIDC_CLIENT, TestOidcProvider } from '../../helpers/oidc-provider.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { requireTool } from '../../helpers/tools.js';

/** The little of the page's globals the in-page calls use (the tests compile without the DOM library). */
interface PageGlobals {
  fetch(url: string, init?: { method?: string; headers?: Record<string, string> }): Promise<{ status: number; json(): Promise<{ code?: string }> }>;
  sessionStorage: { length: number };
}

const ACCOUNTS = {
  rad: { name: 'Rita Adler', preferred_username: 'radler', groups: ['staff', 'vigil-radiologists'] },
  visitor: { name: 'Vic Itor', preferred_username: 'vitor', groups: ['staff', 'cafeteria'] },
};
const IDLE_MINUTES = 20;

/** Debian's Chromium, as the worklist page test starts it. */
async function launch(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

describe("worklist/page: sign-in through the hospital's OpenID provider (oidc-provider on loopback, Chromium)", function () {
  let provider: TestOidcProvider;
  let node: TestNode;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let study: SeededStudy;
  let base: string;
  const clock = new ManualClock(Date.now());

  before(async function () {
    const executable = requireTool(this, 'chromium', 'chromium');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = new TestOidcProvider(ACCOUNTS, base);
    const issuer = await provider.start();
    node = await startTestNode(
      {
        http: { port },
        auth: {
          oidc: {
            issuer,
            clientId: OIDC_CLIENT.id,
            clientSecret: OIDC_CLIENT.secret,
            publicUrl: base,
            roleClaim: 'groups',
            roles: { radiologist: ['vigil-radiologists'], it: ['vigil-it'] },
            session: { idleMinutes: IDLE_MINUTES, absoluteHours: 12 },
          },
        },
      },
      { clock },
    );
    study = seedStudy(node.index, 'oidc-1', { patientName: 'ALPHA^ADA', receivedAt: Date.now() - 10 * 60_000 });
    browser = await launch(executable);
    context = await browser.newContext();
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
  });
  after(async () => {
    await browser?.close();
    await node?.dispose();
    await provider?.stop();
  });

  const sessionCookie = async () => (await context.cookies(base)).find((c) => c.name === 'vigil_session');
  const inPage = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    page.evaluate(
      async ([p, i]) => {
        const res = await (globalThis as unknown as PageGlobals).fetch(p, i);
        const body = (await res.json().catch(() => ({}))) as { code?: string };
        return { status: res.status, code: body.code };
      },
      [path, init] as const,
    );

  async function signInAtProvider(login: string): Promise<void> {
    await page.click('#oidc-sign-in');
    await page.waitForSelector('input[name="login"]');
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    // The provider asks once per client for consent.
    const consent = await page.waitForSelector('button:has-text("Continue"), #rows tr, #sign-in-message');
    if ((await consent.textContent()) === 'Continue') await consent.click();
  }

  it("offers the hospital sign-in instead of the token box, and signs in through the provider's login page to the worklist", async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#oidc-sign-in');
    expect(await page.isVisible('#token'), 'the token box').to.equal(false);
    await signInAtProvider('rad');
    await page.waitForSelector('#rows tr');
    expect(page.url()).to.equal(`${base}/`);
    expect(await page.textContent('#who')).to.equal('radler (radiologist)');
    expect(await page.getAttribute('#rows tr:first-child', 'data-study-id')).to.equal(study.studyId);
    const cookie = await sessionCookie();
    expect(cookie, 'the session cookie').to.include({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.length), 'nothing in sessionStorage').to.equal(0);
  });

  it('claims a study with the session (CSRF token sent by the page); the audit trail names the person, not a token', async () => {
    await page.focus('#rows tr[aria-selected="true"]');
    await page.keyboard.press('c');
    await page.waitForSelector('#rows tr:first-child[data-status="in-progress"]');
    expect(node.worklist.reading.get(study.studyId)).to.include({ status: 'in-progress', claimedBy: 'radler' });
    const rows = node.audit.list({ since: 0, limit: 500 }).entries;
    const claim = rows.find((r) => r.route === '/worklist/:studyId/claim');
    expect(claim, "the claim's audit row").to.include({ tokenName: 'radler', role: 'radiologist', status: 200 });
    expect(claim!.person).to.deep.equal({ subject: 'rad', name: 'Rita Adler' });
    const signIn = rows.find((r) => r.route === '/auth/callback');
    expect(signIn).to.include({ tokenName: 'radler', role: 'radiologist', status: 303 });
    expect(signIn!.person).to.deep.equal({ subject: 'rad', name: 'Rita Adler' });
  });

  it('refuses a change made with the cookie but without the CSRF token, and changes nothing', async () => {
    const before = node.worklist.reading.get(study.studyId);
    expect(await inPage(`/worklist/${study.studyId}/release`, { method: 'POST' })).to.deep.equal({ status: 403, code: 'CSRF_REFUSED' });
    expect(await inPage(`/worklist/${study.studyId}/release`, { method: 'POST', headers: { 'X-CSRF-Token': 'x'.repeat(43) } })).to.deep.equal({
      status: 403,
      code: 'CSRF_REFUSED',
    });
    expect(node.worklist.reading.get(study.studyId)).to.deep.equal(before);
    // Reads need no CSRF token.
    expect((await inPage('/worklist')).status).to.equal(200);
  });

  it('maps the role from the groups claim: a radiologist cannot reach IT routes', async () => {
    expect(await inPage('/alerts/destinations')).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
  });

  it('refuses a tampered cookie with 401, and a good one still works', async () => {
    const cookie = (await sessionCookie())!;
    const flipped = cookie.value.slice(0, -1) + (cookie.value.endsWith('A') ? 'B' : 'A');
    for (const value of [flipped, `${cookie.value}x`, 'not-a-session']) {
      const res = await request(node.app).get('/worklist').set('Cookie', `vigil_session=${value}`);
      expect(res.status, value).to.equal(401);
      expect(res.body.code).to.equal('UNAUTHORIZED');
    }
    expect((await request(node.app).get('/worklist').set('Cookie', `vigil_session=${cookie.value}`)).status).to.equal(200);
  });

  it('keeps bearer tokens working for machines, and a token wins over a cookie (no CSRF token needed)', async () => {
    const token = await node.tokenFor('radiologist');
    expect((await request(node.app).get('/worklist').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
    const cookie = (await sessionCookie())!;
    const claimed = await request(node.app)
      .post(`/worklist/${study.studyId}/release`)
      .set('Authorization', `Bearer ${token}`)
      .set('Cookie', `vigil_session=${cookie.value}`)
      .send({});
    // Released as the token, which does not hold the claim: a 409 from the route, not a CSRF 403.
    expect(claimed.status).to.equal(409);
    const it = await node.tokenFor('it');
    expect((await request(node.app).get('/alerts/destinations').set('Authorization', `Bearer ${it}`)).status).to.equal(200);
  });

  it('signs out: the session ends here and at the provider, whose login page is shown at the next sign-in', async () => {
    const cookie = (await sessionCookie())!;
    await page.click('#sign-out');
    // The provider asks to confirm its own sign-out, then sends the browser back to the page.
    await page.waitForSelector('button[name="logout"], form button');
    await page.click('button[autofocus], button[name="logout"]');
    await page.waitForURL(`${base}/`);
    await page.waitForSelector('#oidc-sign-in');
    expect(await page.isVisible('#workspace')).to.equal(false);
    expect(await sessionCookie(), 'the cookie is cleared').to.equal(undefined);
    expect((await request(node.app).get('/worklist').set('Cookie', `vigil_session=${cookie.value}`)).status, 'the old cookie').to.equal(401);
    expect(node.audit.list({ since: 0, limit: 500 }).entries.some((r) => r.route === '/auth/logout' && r.person?.subject === 'rad')).to.equal(true);
    await page.click('#oidc-sign-in');
    await page.waitForSelector('input[name="login"]');
  });

  it('refuses a person whose groups map to no role, with a page that says so', async () => {
    await page.goto(`${base}/`);
    await signInAtProvider('visitor');
    await page.waitForSelector('#sign-in-message');
    expect(await page.getAttribute('#sign-in-message', 'data-code')).to.equal('SIGN_IN_NO_ROLE');
    expect(await page.textContent('#sign-in-message h1')).to.equal('No access to Vigil');
    expect(await page.textContent('#sign-in-message')).to.include('Vic Itor');
    expect(await sessionCookie()).to.equal(undefined);
    const refused = node.audit.list({ since: 0, limit: 500 }).entries.find((r) => r.route === '/auth/callback' && r.status === 403);
    expect(refused?.person).to.deep.equal({ subject: 'visitor', name: 'Vic Itor' });
  });

  it(`ends a session left idle for ${IDLE_MINUTES} minutes`, async () => {
    // Sign out of the provider's session as "visitor" first: its cookie is the provider's, not ours.
    await context.clearCookies();
    await page.goto(`${base}/`);
    await signInAtProvider('rad');
    await page.waitForSelector('#rows tr');
    expect((await inPage('/worklist')).status).to.equal(200);
    clock.advance(IDLE_MINUTES * 60_000 - 1000);
    expect((await inPage('/worklist')).status, 'used just in time').to.equal(200);
    clock.advance(IDLE_MINUTES * 60_000);
    expect(await inPage('/worklist')).to.deep.equal({ status: 401, code: 'UNAUTHORIZED' });
    await page.reload();
    await page.waitForSelector('#oidc-sign-in');
    expect(await page.isVisible('#workspace')).to.equal(false);
  });
});
