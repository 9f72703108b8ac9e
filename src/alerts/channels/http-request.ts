import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import { VigilError, isTlsFailure, systemErrorCode } from '../../core/errors.js';

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** CA, client certificate, servername for https URLs. */
  tls?: tls.ConnectionOptions | undefined;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Largest response body we read; a FHIR transaction response is kilobytes. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * One HTTP exchange on node:http(s), whose TLS options (a private CA, client certificates)
 * global fetch does not take. Transport failures become ALERT_HTTP_* codes; the status is the
 * caller's to judge (see httpFailure).
 */
export function httpSend(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const lib = url.protocol === 'https:' ? https : http;
  const where = `${url.host}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, res?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (err) {
        request.destroy();
        reject(err);
      } else resolve(res!);
    };
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const request = lib.request(url, {
      method: req.method,
      headers: { ...req.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) },
      ...(url.protocol === 'https:' ? req.tls : {}),
    });
    const timer = setTimeout(() => finish(new VigilError('ALERT_HTTP_TIMEOUT', `no answer from ${where} within ${req.timeoutMs} ms`)), req.timeoutMs);
    const onAbort = (): void => finish(req.signal?.reason instanceof Error ? req.signal.reason : new Error('aborted'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (err) => {
      const code = systemErrorCode(err) ?? 'error';
      finish(
        isTlsFailure(err)
          ? new VigilError('ALERT_HTTP_TLS_FAILED', `TLS with ${where} failed (${code})`, { cause: err })
          : new VigilError('ALERT_HTTP_UNREACHABLE', `cannot reach ${where} (${code})`, { cause: err }),
      );
    });
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) finish(new VigilError('ALERT_RESPONSE_MALFORMED', `${where} answered with more than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => finish(new VigilError('ALERT_HTTP_UNREACHABLE', `the answer from ${where} broke off`, { cause: err })));
    });
    request.end(body);
  });
}

/**
 * The error for a non-2xx status, or undefined for 2xx. 408/409/412/425/429 mean "not now"
 * (a conflict or a stale version is resolved by trying again); 401/403 mean our credentials;
 * other 4xx mean the request itself; 5xx the server. The body is the peer's text.
 */
export function httpFailure(res: HttpResponse, what: string): VigilError | undefined {
  const { status } = res;
  if (status >= 200 && status < 300) return undefined;
  const extra = { httpStatus: status, peerText: res.text.slice(0, 2000) };
  if ([408, 409, 412, 425, 429].includes(status)) return new VigilError('ALERT_HTTP_RETRY_LATER', `${what}: HTTP ${status}, will retry`, { extra });
  if (status === 401 || status === 403) return new VigilError('ALERT_AUTH_FAILED', `${what}: HTTP ${status}, credentials refused`, { extra });
  if (status >= 400 && status < 500) return new VigilError('ALERT_HTTP_REJECTED', `${what}: HTTP ${status}, request refused`, { extra });
  return new VigilError('ALERT_HTTP_SERVER_ERROR', `${what}: HTTP ${status}`, { extra });
}
