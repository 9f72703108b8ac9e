import request from 'supertest';
import type { Express } from 'express';
import type { Role } from '../../src/domain/roles.js';

/** What a test needs to call the app as someone: the app and a way to get a role's token. */
export interface ApiTarget {
  app: Express;
  tokenFor(role: Role): Promise<string>;
}

/**
 * supertest on the node's app (built by createApp), with a bearer token of `role`:
 *
 *   const api = await apiAs(node, 'radiologist');
 *   await api.get('/studies').expect(200);
 *
 * supertest listens on 127.0.0.1 with an ephemeral port for each request.
 */
export async function apiAs(target: ApiTarget, role: Role) {
  const auth = `Bearer ${await target.tokenFor(role)}`;
  const agent = request(target.app);
  return {
    get: (url: string) => agent.get(url).set('Authorization', auth),
    head: (url: string) => agent.head(url).set('Authorization', auth),
    post: (url: string) => agent.post(url).set('Authorization', auth),
    put: (url: string) => agent.put(url).set('Authorization', auth),
    patch: (url: string) => agent.patch(url).set('Authorization', auth),
    delete: (url: string) => agent.delete(url).set('Authorization', auth),
  };
}

export type ApiClient = Awaited<ReturnType<typeof apiAs>>;
