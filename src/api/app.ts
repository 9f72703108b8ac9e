import express from 'express';
import { expressBase } from './express-base.js';
import type { ApiDeps } from './deps.js';
import { alertRoutes } from './routes/alerts.js';
import { modalityRoutes } from './routes/modalities.js';
import { auditRequests } from './audit-requests.js';
import { authenticate } from './auth/authenticate.js';
import { sessionAuthenticate } from './auth/session-cookie.js';
import { signInRoutes } from './routes/sign-in.js';
import { FailureThrottle } from './auth/failure-throttle.js';
import { errorHandler, notFoundHandler } from './problem.js';
import { auditRoutes } from './routes/audit.js';
import { changeRoutes } from './routes/changes.js';
import { findRoutes } from './routes/find.js';
import { faviconRoutes } from './routes/favicon.js';
import { healthRoutes } from './routes/health.js';
import { monitoringRoutes } from './routes/monitoring.js';
import { pluginRoutes } from './routes/plugins.js';
import { resourceRoutes } from './routes/resources.js';
import { forwardRoutes } from './routes/forwards.js';
import { rulesRoutes } from './routes/rules.js';
import { systemRoutes } from './routes/system.js';
import { completenessRoutes } from './routes/completeness.js';
import { triageRoutes } from './routes/triage.js';
import { modelSiteRoutes } from './routes/model-site.js';
import { worklistRoutes } from './routes/worklist.js';
import { worklistEventRoutes } from './routes/worklist-events.js';
import { worklistPageRoutes } from './routes/worklist-page.js';
import { dicomWebRoutes } from './dicomweb/dicomweb-routes.js';
import { stowRoutes } from './dicomweb/stow.js';
import { viewerRoutes } from './viewer/viewer-routes.js';

/**
 * Builds the HTTP app. No port here: tests drive it with supertest, and `listen` lives in the
 * node's composition (src/node.ts).
 */
export function createApp(deps: ApiDeps): express.Express {
  const app = expressBase(deps.config.http, deps.metrics);
  app.use(auditRequests(deps.audit, deps.log));
  app.use(healthRoutes(deps.config.node.roles));
  app.use(faviconRoutes());
  // The worklist page (public files) and its live stream (a one-time ticket, not a header).
  app.use(worklistPageRoutes());
  // The OHIF viewer's files (public like the page; its data comes from /dicom-web below).
  app.use(viewerRoutes(deps.pageSignIn));
  app.use(signInRoutes({ audit: deps.audit, log: deps.log, oidc: deps.pageSignIn }));
  app.use(worklistEventRoutes(deps));
  // Everything below needs a token, or a page session and, for changes, its CSRF token; bodies
  // are parsed only for callers who have one.
  if (deps.pageSignIn) app.use(sessionAuthenticate(deps.pageSignIn.sessions, deps.pageSignIn.cookies));
  app.use(authenticate(deps.tokens, new FailureThrottle(deps.config.auth.throttle)));
  app.use(express.json({ limit: deps.config.http.maxBodyBytes }));
  app.use(systemRoutes(deps));
  if (deps.series?.history) app.use(completenessRoutes(deps.series.history));
  app.use(resourceRoutes(deps));
  app.use(findRoutes(deps));
  app.use(changeRoutes(deps));
  app.use(alertRoutes(deps));
  app.use(modalityRoutes(deps));
  app.use(worklistRoutes(deps));
  app.use(auditRoutes(deps));
  app.use(monitoringRoutes(deps));
  if (deps.forwards) app.use(forwardRoutes(deps.forwards));
  if (deps.rules) app.use(rulesRoutes({ ...deps, rules: deps.rules }));
  app.use(pluginRoutes(deps));
  if (deps.queryRetrieve) app.use('/dicom-web', dicomWebRoutes({ ...deps, queryRetrieve: deps.queryRetrieve }));
  if (deps.store) app.use('/dicom-web', stowRoutes({ ...deps, store: deps.store }));
  if (deps.triage) app.use(triageRoutes({ ...deps, triage: deps.triage }));
  if (deps.triage) app.use(modelSiteRoutes({ ...deps, triage: deps.triage }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
