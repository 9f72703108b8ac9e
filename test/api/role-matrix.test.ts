import { expect } from 'chai';
import request from 'supertest';
import { ROLES, type Role } from '../../src/domain/roles.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { routesOf } from './routes-of.js';

/**
 * Who may call what: every route × every role × no token. Add a line when you add a route
 * (`admin` is implied and never listed; PUBLIC routes need no token). The suite fails for a
 * route the app declares that is missing here.
 */
/** GET /auth/config says how the page signs in; the other /auth routes exist with auth.oidc only (test/worklist/page/oidc-sign-in.test.ts). */
const PUBLIC = ['GET /health', 'GET /', 'GET /favicon.ico', 'GET /auth/config', 'GET /viewer'];
/**
 * Routes that take a one-time ticket instead of a bearer token (EventSource cannot send one):
 * every call without a valid ticket is a 401, whatever token it carries. Their roles are those
 * of the route that issues the ticket (see test/api/routes/worklist-events.test.ts).
 */
const TICKETED = ['GET /worklist/events'];
const MATRIX: Record<string, readonly Role[]> = {
  'GET /system': ['it', 'radiologist', 'service'],
  'GET /statistics': ['it', 'radiologist', 'service'],
  'GET /patients': ['radiologist', 'service'],
  'GET /patients/:id': ['radiologist', 'service'],
  'GET /patients/:id/studies': ['radiologist', 'service'],
  'GET /studies': ['radiologist', 'service'],
  'GET /studies/:id': ['radiologist', 'service'],
  'GET /studies/:id/series': ['radiologist', 'service'],
  'GET /series': ['radiologist', 'service'],
  'GET /series/:id': ['radiologist', 'service'],
  'GET /series/:id/instances': ['radiologist', 'service'],
  'GET /instances': ['radiologist', 'service'],
  'GET /instances/:id': ['radiologist', 'service'],
  'GET /instances/:id/file': ['radiologist'],
  'GET /instances/:id/tags': ['radiologist', 'service'],
  'DELETE /patients/:id': [],
  'DELETE /studies/:id': [],
  'DELETE /series/:id': [],
  'DELETE /instances/:id': [],
  'POST /tools/find': ['radiologist', 'service'],
  'GET /changes': ['it', 'radiologist', 'service'],
  'GET /alerts': ['radiologist', 'service'],
  'GET /alerts/:alertId': ['radiologist', 'service'],
  'POST /alerts/:alertId/acknowledge': ['radiologist'],
  'POST /alerts/:alertId/retry': ['it'],
  'POST /alerts/:alertId/cancel': ['it'],
  'GET /alerts/deliveries': ['it', 'service'],
  'GET /alerts/destinations': ['it'],
  'POST /alerts/destinations': ['it'],
  'PUT /alerts/destinations/:destinationId': ['it'],
  'DELETE /alerts/destinations/:destinationId': ['it'],
  'POST /alerts/destinations/:destinationId/check': ['it'],
  'GET /modalities': ['it'],
  'POST /modalities/:aeTitle/echo': ['it'],
  'GET /audit': [],
  'GET /plugins': ['it', 'service'],
  'GET /models': ['it', 'radiologist', 'service'],
  'GET /models/:id': ['it', 'radiologist', 'service'],
  'POST /models/:id/enable': ['it'],
  'POST /models/:id/disable': ['it'],
  'GET /models/:id/site': ['it'],
  'POST /models/:id/mode': ['it'],
  'POST /models/:id/mode/rollback': ['it'],
  'POST /models/:id/calibration': ['it'],
  'POST /models/:id/operating-point': ['it'],
  'POST /models/:id/operating-point/rollback': ['it'],
  'GET /jobs': ['it', 'radiologist', 'service'],
  'POST /jobs': ['it', 'radiologist'],
  'GET /jobs/:id': ['it', 'radiologist', 'service'],
  'POST /jobs/:id/retry': ['it'],
  'POST /jobs/:id/cancel': ['it'],
  'GET /findings': ['radiologist'],
  'GET /findings/:id': ['radiologist'],
  'GET /findings/:id/key-image': ['radiologist'],
  'GET /ready': ['it', 'radiologist', 'service'],
  'GET /metrics': ['it', 'service'],
  'GET /rules': ['it'],
  'GET /rules/status': ['it', 'service'],
  'GET /rules/forwards': ['it', 'service'],
  'GET /completeness/senders': ['it', 'service'],
  'POST /rules/check': ['it'],
  'PUT /rules': ['it'],
  'GET /rules/versions': ['it'],
  'GET /rules/versions/:version': ['it'],
  'POST /rules/rollback': ['it'],
  'POST /rules/test': ['it'],
  'GET /series/:id/routing': ['it', 'radiologist'],
  'GET /worklist': ['radiologist', 'service'],
  'GET /worklist/:studyId': ['radiologist', 'service'],
  'GET /worklist/monitoring': ['it', 'radiologist', 'service'],
  'POST /worklist/events/tickets': ['radiologist', 'service'],
  'POST /worklist/:studyId/claim': ['radiologist'],
  'POST /worklist/:studyId/release': ['radiologist'],
  'POST /worklist/:studyId/read': ['radiologist'],
  'POST /worklist/findings/:findingId/feedback': ['radiologist'],
  'GET /dicom-web/studies': ['radiologist', 'service'],
  'GET /dicom-web/series': ['radiologist', 'service'],
  'GET /dicom-web/instances': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study/series': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study/instances': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study/series/:series/instances': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study': ['radiologist'],
  'GET /dicom-web/studies/:study/series/:series': ['radiologist'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance': ['radiologist'],
  'GET /dicom-web/studies/:study/metadata': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study/series/:series/metadata': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance/metadata': ['radiologist', 'service'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance/frames/:frames': ['radiologist'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance/rendered': ['radiologist'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance/thumbnail': ['radiologist'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance/frames/:frames/rendered': ['radiologist'],
  'GET /dicom-web/studies/:study/series/:series/instances/:instance/frames/:frames/thumbnail': ['radiologist'],
  'POST /dicom-web/studies': ['service'],
  'POST /dicom-web/studies/:study': ['service'],
};

/** A well-formed id that matches nothing, so allowed callers get 404 and nothing changes. */
const SAMPLE_PARAMS: Record<string, string> = { id: '00000000-00000000-00000000-00000000-00000000', studyId: '00000000-00000000-00000000-00000000-00000000' };

function example(route: string): { method: string; path: string } {
  const [method, pattern] = route.split(' ') as [string, string];
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => SAMPLE_PARAMS[name] ?? 'sample');
  return { method: method.toLowerCase(), path };
}

function call(node: TestNode, route: string, token?: string) {
  const { method, path } = example(route);
  const agent = request(node.app) as unknown as Record<string, (url: string) => request.Test>;
  const req = agent[method]!(path);
  if (method !== 'get' && method !== 'head' && method !== 'delete') req.send({});
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
}

describe('api/role matrix', function () {
  let node: TestNode;
  const tokens = {} as Record<Role, string>;

  before(async () => {
    node = await startTestNode();
    for (const role of ROLES) tokens[role] = await node.tokenFor(role);
  });
  after(() => node.dispose());

  it('covers every route the app declares', () => {
    const declared = routesOf(node.app);
    const listed = [...PUBLIC, ...TICKETED, ...Object.keys(MATRIX)].sort();
    expect(declared, 'routes missing from MATRIX (or listed but gone)').to.deep.equal(listed);
  });

  it('answers public routes without a token', async () => {
    for (const route of PUBLIC) {
      const res = await call(node, route);
      expect(res.status, route).to.be.below(400);
    }
  });

  it('answers ticketed routes with 401 to a bearer token without a ticket', async () => {
    for (const route of TICKETED) {
      for (const token of [undefined, ...ROLES.map((r) => tokens[r])]) {
        const res = await call(node, route, token);
        expect(res.status, route).to.equal(401);
        expect(res.type).to.equal('application/problem+json');
      }
    }
  });

  for (const [route, roles] of Object.entries(MATRIX)) {
    it(`${route}: 401 without a token, 403 for other roles, served for ${['admin', ...roles].join(', ')}`, async () => {
      const anonymous = await call(node, route);
      expect(anonymous.status, 'no token').to.equal(401);
      expect(anonymous.type).to.equal('application/problem+json');
      for (const role of ROLES) {
        const res = await call(node, route, tokens[role]);
        if (role === 'admin' || roles.includes(role)) {
          expect(res.status, `${role}: ${res.text}`).to.not.be.oneOf([401, 403]);
          expect(res.status, `${role}: ${res.text}`).to.be.below(500);
        } else {
          expect(res.status, role).to.equal(403);
          expect(res.body.code).to.equal('FORBIDDEN');
        }
      }
    });
  }
});
