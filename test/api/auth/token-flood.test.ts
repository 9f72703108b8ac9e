import crypto from 'node:crypto';
import { expect } from 'chai';
import request from 'supertest';
import { storescu, storeResponses } from '../../helpers/dcmtk.js';
import { writeSeries } from '../../helpers/dicom-fixtures.js';
import { startTestNode, type TestNode } from '../../helpers/test-node.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';
import { requireTool } from '../../helpers/tools.js';

/** A VIGIL_ADMIN_TOKEN as the README makes it (openssl rand -hex 32): not in the `vgl_` shape. */
const BOOTSTRAP = crypto.randomBytes(32).toString('hex');
/** Wrong tokens in the bootstrap token's shape: while it is live, each needs its scrypt check. */
const guess = (): string => crypto.randomBytes(32).toString('hex');

/** Issue 20, item 3: wrong tokens must not turn the token check into a denial of service. */
describe('api/auth: a flood of wrong tokens', function () {
  this.timeout(120_000);

  describe('with the default throttle (blockAfter 20)', () => {
    let node: TestNode;
    let base: string;

    beforeEach(async () => {
      node = await startTestNode({ auth: { throttle: { maxDelayMs: 0 } } });
      await node.tokens.bootstrap(BOOTSTRAP);
      base = `http://127.0.0.1:${node.http.port}`;
    });
    afterEach(() => node.dispose());

    it('counts each guess before checking it: of 50 parallel guesses 30 get 429, and only 20 are hashed', async () => {
      const hashed = node.tokens.hashes.started;
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () =>
          request(base)
            .get('/system')
            .set('Authorization', `Bearer ${guess()}`)
            .then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 401)).to.have.length(20);
      expect(statuses.filter((s) => s === 429)).to.have.length(30);
      expect(node.tokens.hashes.started - hashed).to.equal(20);
    });

    it('never hashes a token that cannot match: wrong shape, unknown key id, revoked bootstrap, a guess seen before', async () => {
      const good = await node.tokenFor('it');
      const unknownKey = `vgl_${'0'.repeat(12)}_${crypto.randomBytes(32).toString('base64url')}`;
      const repeated = guess();
      await request(base).get('/system').set('Authorization', `Bearer ${repeated}`).expect(401);
      const hashed = node.tokens.hashes.started;
      const cannotMatch = [
        'short-token',
        'x'.repeat(31),
        `vgl_${'0'.repeat(12)}_tooshort`,
        `vgl_not-hex-key_${'a'.repeat(43)}`,
        unknownKey,
        good.replace(/^vgl_[0-9a-f]{12}/, 'vgl_ffffffffffff'),
        repeated,
      ];
      for (const token of cannotMatch) {
        await request(base).get('/system').set('Authorization', `Bearer ${token}`).expect(401);
      }
      node.tokens.revoke('admin');
      await request(base).get('/system').set('Authorization', `Bearer ${guess()}`).expect(401);
      await request(base).get('/system').set('Authorization', `Bearer ${BOOTSTRAP}`).expect(401);
      expect(node.tokens.hashes.started - hashed).to.equal(0);
    });

    it('pays one hash for parallel first requests with one new token, and counts none of them as failures', async () => {
      const { token } = await node.tokens.create('fresh', 'it', 'test');
      const hashed = node.tokens.hashes.started;
      const statuses = await Promise.all(
        Array.from({ length: 30 }, () =>
          request(base)
            .get('/system')
            .set('Authorization', `Bearer ${token}`)
            .then((r) => r.status),
        ),
      );
      expect(
        statuses.every((s) => s === 200),
        statuses.join(','),
      ).to.equal(true);
      expect(node.tokens.hashes.started - hashed).to.equal(1);
      await request(base).get('/system').set('Authorization', `Bearer ${BOOTSTRAP}`).expect(200);
    });
  });

  describe('from many addresses at once (no throttle to stop them)', () => {
    let node: TestNode;
    let work: string;

    before(async () => {
      // One address stands for many: a throttle this loose lets every guess through to a hash.
      node = await startTestNode({ auth: { throttle: { delayAfter: 99_998, blockAfter: 99_999, maxDelayMs: 0 } } });
      await node.tokens.bootstrap(BOOTSTRAP);
      work = makeTempDir();
    });
    after(async () => {
      await node.dispose();
      removeDir(work);
    });

    it('hashes one guess at a time, refuses the overflow with 503, and a C-STORE push meanwhile completes', async function () {
      requireTool(this, 'storescu', 'dcmtk');
      const files = writeSeries(work, { slices: 40, seed: 'flood', rows: 256, columns: 256 });
      const base = `http://127.0.0.1:${node.http.port}`;
      const statuses = new Map<number, number>();
      let retryAfter: string | undefined;
      let pushing = true;
      const flood = (async () => {
        while (pushing) {
          const batch = await Promise.all(Array.from({ length: 200 }, () => request(base).get('/system').set('Authorization', `Bearer ${guess()}`)));
          for (const res of batch) {
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 503) {
              expect(res.body.code).to.equal('AUTH_BUSY');
              retryAfter = res.headers['retry-after'];
            }
          }
        }
      })();
      const push = await storescu(node.dicom.port, files).finally(() => (pushing = false));
      await flood;
      expect(storeResponses(push)).to.deep.equal({ success: 40, failed: 0 });
      expect(push.code).to.equal(0);
      expect(node.index.listIds('instances', 0, 100)).to.have.length(40);
      expect([...statuses.keys()].sort()).to.deep.equal([401, 503]);
      expect(retryAfter).to.equal('1');
      expect(node.tokens.hashes.peakRunning).to.equal(1);
    });
  });
});
