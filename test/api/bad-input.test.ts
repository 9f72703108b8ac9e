import { expect } from 'chai';
import request from 'supertest';
import { apiAs, type ApiClient } from '../helpers/api.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';

/**
 * Hostile and broken requests: each gets a 4xx problem that names the trouble; none gets a
 * 500, a stack trace, or a byte of a file outside the store.
 */
const CASES: { what: string; method?: 'get' | 'post'; url: string; status: number; code: string }[] = [
  { what: 'malformed id', url: '/studies/not-an-id', status: 400, code: 'INVALID_ID' },
  { what: 'id with uppercase hex', url: '/series/0000000A-00000000-00000000-00000000-00000000', status: 400, code: 'INVALID_ID' },
  { what: 'encoded traversal in an id', url: '/instances/..%2F..%2F..%2Fetc%2Fpasswd/file', status: 400, code: 'INVALID_ID' },
  { what: 'dot segments as an id', url: '/instances/%2e%2e/file', status: 400, code: 'INVALID_ID' },
  { what: 'encoded NUL in an id', url: '/instances/%00/tags', status: 400, code: 'INVALID_ID' },
  { what: 'broken percent-encoding', url: '/studies/%E0%A4%A', status: 400, code: 'BAD_REQUEST' },
  { what: 'unknown query key', url: '/studies?bogus=1', status: 400, code: 'UNKNOWN_QUERY_KEY' },
  { what: 'repeated query key', url: '/studies?limit=1&limit=2', status: 400, code: 'BAD_REQUEST' },
  { what: 'negative limit', url: '/studies?limit=-3', status: 400, code: 'BAD_REQUEST' },
  { what: 'overlong query value', url: `/changes?since=${'9'.repeat(300)}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'oversized URL', url: `/studies?expand=${'x'.repeat(3000)}`, status: 414, code: 'URI_TOO_LONG' },
  { what: 'unknown resource id', url: '/instances/00000000-00000000-00000000-00000000-00000000/file', status: 404, code: 'NOT_FOUND' },
  { what: 'unknown route', url: '/etc/passwd', status: 404, code: 'NOT_FOUND' },
  { what: 'find without a JSON body', method: 'post', url: '/tools/find', status: 400, code: 'BAD_REQUEST' },
];

describe('api: bad input', () => {
  let node: TestNode;
  let admin: ApiClient;

  before(async () => {
    node = await startTestNode();
    admin = await apiAs(node, 'admin');
  });
  after(() => node.dispose());

  for (const c of CASES) {
    it(`${c.what}: ${c.status} ${c.code}`, async () => {
      const res = await admin[c.method ?? 'get'](c.url);
      expect(res.status, res.text).to.equal(c.status);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body).to.include({ status: c.status, code: c.code });
      expect(res.body.detail).to.be.a('string').and.not.equal('');
      expect(res.text).to.not.match(/\bat .*\.[jt]s:\d+|root:x:0/);
    });
  }

  it('answers the same before authentication: a long URL is refused without a token too', async () => {
    const res = await request(node.app).get(`/studies?x=${'y'.repeat(3000)}`);
    expect(res.status).to.equal(414);
    expect(res.type).to.equal('application/problem+json');
  });
});
