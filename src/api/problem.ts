import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { VigilError, ERRORS, type ErrorCode } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import { routePatternOf } from '../auth/request.js';

/** RFC 9457 problem details. `code` is our machine-readable error code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemOf(err: VigilError): Problem {
  return {
    type: `https://vigil.invalid/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(err.extra ?? {}),
  };
}

export function sendProblem(res: Response, err: VigilError): void {
  res
    .status(err.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemOf(err)));
}

/** Unknown routes answer with a problem too, never express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new VigilError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/**
 * The last middleware: every error becomes a problem response. Errors from body parsing keep
 * their 4xx meaning; anything unexpected is a 500 without its stack, which goes to the log.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof VigilError) return sendProblem(res, err);
    const bodyError = fromBodyParser(err);
    if (bodyError) return sendProblem(res, bodyError);
    log.error('unhandled API error', { route: routePatternOf(req) ?? req.path, method: req.method, error: describeError(err) });
    sendProblem(res, new VigilError('INTERNAL', 'the request could not be completed'));
  };
}

function fromBodyParser(err: unknown): VigilError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  switch ('type' in err ? err.type : undefined) {
    case 'entity.parse.failed':
      return new VigilError('BAD_REQUEST', 'request body is not valid JSON');
    case 'entity.too.large':
      return new VigilError('PAYLOAD_TOO_LARGE', 'request body is larger than the configured limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new VigilError('BAD_REQUEST', 'unsupported body encoding');
    default:
      return clientErrorOf(err);
  }
}

/** Other client errors raised by express itself (a path with broken %-encoding is a 400). */
function clientErrorOf(err: object): VigilError | undefined {
  const status = 'status' in err ? err.status : undefined;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return new VigilError('BAD_REQUEST', 'the request could not be understood (malformed URL or body)');
}

export { ERRORS };
