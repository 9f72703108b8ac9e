import type express from 'express';
import { expressBase } from './express-base.js';
import type { ApiDeps } from './deps.js';
import { authenticate } from './auth/authenticate.js';
import { FailureThrottle } from './auth/failure-throttle.js';
import { errorHandler, notFoundHandler } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { monitoringRoutes } from './routes/monitoring.js';

/**
 * The HTTP app of a node without the `api` role: what an orchestrator and a scraper expect of
 * every node, nothing else. GET /health (public: status and roles), GET /ready and GET /metrics
 * (a token, as on the full API: `it` or `service`). Every other path is a 404 problem: the
 * worklist, the API and DICOMweb are served by the api-role nodes. It listens where the full API
 * would (http.host, http.port).
 */
export function createProbeApp(deps: Pick<ApiDeps, 'config' | 'log' | 'tokens' | 'metrics' | 'readiness'>): express.Express {
  const app = expressBase(deps.config.http, deps.metrics);
  app.use(healthRoutes(deps.config.node.roles));
  app.use(authenticate(deps.tokens, new FailureThrottle(deps.config.auth.throttle)));
  app.use(monitoringRoutes(deps));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
