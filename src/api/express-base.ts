import express from 'express';
import type { HttpConfig } from '../config/sections/http.js';
import type { Metrics } from '../metrics/metrics.js';
import { httpMetrics } from './http-metrics.js';
import { rejectLongUrls } from './request-limits.js';
import { responseHeaders } from './response-headers.js';

/**
 * What every HTTP app of the node starts with, the full API and a probe-only node's alike: no
 * x-powered-by, simple query strings, the trusted proxies, the request metrics, the security
 * headers and the URL length limit.
 */
export function expressBase(http: Pick<HttpConfig, 'trustProxy'>, metrics: Metrics): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (http.trustProxy.length > 0) app.set('trust proxy', http.trustProxy);
  app.use(httpMetrics(metrics));
  app.use(responseHeaders);
  app.use(rejectLongUrls);
  return app;
}
