import { VigilError } from '../../core/errors.js';

/**
 * The few calls the demo makes to a running node's REST API, with its bearer token. Every
 * failure becomes a VigilError that says what to do: no node listening, a refused token,
 * or the node's own problem text.
 */
export class NodeApi {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      // fetch wraps the socket's error: its code (ECONNREFUSED...) or message ("bad port") says why.
      const inner = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (err as Error).message;
      throw new VigilError('DEMO_NODE_UNREACHABLE', `no Vigil node answers at ${this.base} (${cause}): start one with \`npm start\`, or pass --http`, {
        cause: err,
      });
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new VigilError(
        'DEMO_API_REFUSED',
        `${method} ${path}: the node refused the token (${res.status}); pass an admin token with --token or VIGIL_ADMIN_TOKEN`,
      );
    }
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        const problem = JSON.parse(text) as { detail?: string; title?: string; problems?: { path: string; message: string }[] };
        detail = [problem.detail ?? problem.title ?? '', ...(problem.problems ?? []).map((p) => `${p.path}: ${p.message}`)].filter(Boolean).join('; ');
      } catch {
        // Not a problem document: keep the start of the text.
      }
      throw new VigilError('DEMO_API_REFUSED', `${method} ${path} answered ${res.status}: ${detail}`, { extra: { status: res.status } });
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}
