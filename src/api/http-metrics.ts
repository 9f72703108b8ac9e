import type { RequestHandler } from 'express';
import { LATENCY_BUCKETS, type Metrics } from '../metrics/metrics.js';
import { routePatternOf } from '../auth/request.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * HTTP requests by method, route pattern and status. The pattern (`/studies/:id`) keeps the
 * label set small; a request that reached no route (401 before routing, 404) is `(none)`.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  const requests = metrics.counter({
    name: 'vigil_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
  });
  const seconds = metrics.histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
  });
  return (req, res, next) => {
    const started = performance.now();
    res.once('close', () => {
      const route = routePatternOf(req) ?? '(none)';
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      requests.inc({ method, route, status: String(res.statusCode) });
      seconds.observe({ method, route }, (performance.now() - started) / 1000);
    });
    next();
  };
}
