import { expect } from 'chai';
import request from 'supertest';
import { freePort } from '../../helpers/node-process.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';

/** The /auth routes without a browser; the whole sign-in is test/worklist/page/oidc-sign-in.test.ts. */
describe("api/routes/sign-in: the page's sign-in routes", () => {
  describe('without auth.oidc', () => {
    let node: TestNode;
    before(async () => (node = await startTestNode()));
    after(() => node.dispose());

    it('the page asks for a token, and there is no provider sign-in', async () => {
      expect((await request(node.app).get('/auth/config')).body).to.deep.equal({ signIn: 'token' });
      // No such public route: like any unknown path, it wants a token first.
      expect((await request(node.app).get('/auth/login')).status).to.equal(401);
    });

    it('a session cookie counts for nothing', async () => {
      const res = await request(node.app)
        .get('/worklist')
        .set('Cookie', `vigil_session=${'A'.repeat(43)}`);
      expect(res.status).to.equal(401);
      expect(res.body.detail).to.match(/bearer token/);
    });
  });

  describe('with auth.oidc and the provider down', () => {
    let node: TestNode;
    before(async () => {
      const closed = await freePort();
      node = await startTestNode({
        auth: {
          oidc: {
            issuer: `http://127.0.0.1:${closed}`,
            clientId: 'vigil',
            clientSecret: 'secret',
            publicUrl: 'http://127.0.0.1:8042',
            roles: { radiologist: ['vigil-radiologists'] },
          },
        },
      });
    });
    after(() => node.dispose());

    it("the node starts; the page offers the provider's sign-in, which says clearly it cannot be reached", async () => {
      expect((await request(node.app).get('/auth/config')).body).to.deep.equal({ signIn: 'oidc' });
      const res = await request(node.app).get('/auth/login');
      expect(res.status).to.equal(502);
      expect(res.type).to.equal('text/html');
      expect(res.text).to.include('data-code="OIDC_UNAVAILABLE"').and.include('The sign-in could not start');
      expect(res.get('content-security-policy')).to.include("script-src 'self'");
    });

    it('tokens keep working meanwhile', async () => {
      expect(
        (
          await request(node.app)
            .get('/worklist')
            .set('Authorization', `Bearer ${await node.tokenFor('radiologist')}`)
        ).status,
      ).to.equal(200);
    });

    it('a callback this browser did not start is refused with a page, and signs nobody in', async () => {
      for (const cookie of [undefined, 'vigil_login=another-state']) {
        const req = request(node.app).get('/auth/callback?code=abc&state=some-state');
        const res = await (cookie ? req.set('Cookie', cookie) : req);
        expect(res.status, String(cookie)).to.equal(400);
        expect(res.text).to.include('data-code="SIGN_IN_FAILED"');
        expect(String(res.get('set-cookie'))).not.to.match(/vigil_session=[^;]/);
      }
      // The state matches its cookie but no sign-in was started with it here.
      const res = await request(node.app).get('/auth/callback?code=abc&state=forged').set('Cookie', 'vigil_login=forged');
      expect(res.status).to.equal(400);
      expect(res.text).to.include('expired or was already used');
    });

    it('GET /auth/session without a session is a 401 problem; sign-out without one is harmless', async () => {
      const res = await request(node.app).get('/auth/session');
      expect(res.status).to.equal(401);
      expect(res.type).to.equal('application/problem+json');
      expect((await request(node.app).post('/auth/logout')).body).to.deep.equal({ signedOut: true, providerLogout: null });
    });
  });
});
