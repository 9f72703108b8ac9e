import { expect } from 'chai';
import request from 'supertest';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';

describe('api/auth/authenticate', () => {
  let node: TestNode;

  before(async () => {
    node = await startTestNode({ auth: { throttle: { delayAfter: 1, blockAfter: 3, maxDelayMs: 0 } } });
  });
  after(() => node.dispose());

  it('serves GET /health without a token', async () => {
    await request(node.app)
      .get('/health')
      .expect(200, { status: 'ok', roles: ['dicom', 'api', 'triage', 'alerts', 'scheduler'] });
  });

  it('answers a missing token with a 401 problem and a Bearer challenge', async () => {
    const res = await request(node.app).get('/system');
    expect(res.status).to.equal(401);
    expect(res.type).to.equal('application/problem+json');
    expect(res.body).to.include({ status: 401, code: 'UNAUTHORIZED', title: 'Authentication required' });
    expect(res.headers['www-authenticate']).to.equal('Bearer realm="vigil"');
  });

  it('answers a wrong or malformed token with invalid_token, and a revoked one too', async () => {
    const ok = await node.tokenFor('it');
    await request(node.app).get('/system').set('Authorization', `Bearer ${ok}`).expect(200);
    const { token } = await node.tokens.create('short-lived', 'it', 'test');
    await request(node.app).get('/system').set('Authorization', `Bearer ${token}`).expect(200);
    node.tokens.revoke('short-lived');
    for (const header of [`Bearer ${token}`, 'Basic dXNlcjpwYXNz']) {
      const res = await request(node.app).get('/system').set('Authorization', header);
      expect(res.status, header).to.equal(401);
      expect(res.headers['www-authenticate']).to.equal('Bearer realm="vigil", error="invalid_token"');
    }
  });

  it('names the roles a 403 would have needed', async () => {
    const res = await request(node.app)
      .get('/studies')
      .set('Authorization', `Bearer ${await node.tokenFor('it')}`);
    expect(res.status).to.equal(403);
    expect(res.body.allowedRoles).to.have.members(['admin', 'radiologist', 'service']);
  });

  it('refuses an address with 429 after repeated failures, even with a good token', async () => {
    const good = await node.tokenFor('admin');
    // The failures of the test above count too; the window is per node and address.
    for (let i = 0; i < 3; i++) await request(node.app).get('/system').set('Authorization', 'Bearer wrong-token');
    const res = await request(node.app).get('/system').set('Authorization', `Bearer ${good}`);
    expect(res.status).to.equal(429);
    expect(res.body.code).to.equal('TOO_MANY_REQUESTS');
    expect(Number(res.headers['retry-after'])).to.be.greaterThan(0);
    await request(node.app).get('/health').expect(200);
  });
});
