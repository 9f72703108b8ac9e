/**
 * dicomweb-client speaks XMLHttpRequest, which Node does not have. This is the part of it the
 * client uses (open, headers, responseType json/arraybuffer, send, readyState 4 with status,
 * response and response headers), on Node's fetch, so the real client runs against the node
 * over real HTTP. Install with `installXhr()`; the returned function removes it.
 */
class XhrOnFetch {
  readyState = 0;
  status = 0;
  response: unknown = null;
  responseType = '';
  onreadystatechange: (() => void) | null = null;
  onloadstart: (() => void) | null = null;
  onloadend: (() => void) | null = null;
  withCredentials = false;
  private method = 'GET';
  private url = '';
  private readonly headers: Record<string, string> = {};
  private responseHeaders = new Headers();

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders.get(name);
  }

  getAllResponseHeaders(): string {
    return [...this.responseHeaders.entries()].map(([k, v]) => `${k}: ${v}`).join('\r\n');
  }

  send(body?: unknown): void {
    void fetch(this.url, {
      method: this.method,
      headers: this.headers,
      body: body as Parameters<typeof fetch>[1] extends infer O ? (O extends { body?: infer B } ? B : never) : never,
    })
      .then(async (res) => {
        this.status = res.status;
        this.responseHeaders = res.headers;
        const bytes = await res.arrayBuffer();
        if (this.responseType === 'arraybuffer') this.response = bytes;
        else {
          const text = new TextDecoder().decode(bytes);
          try {
            this.response = this.responseType === 'json' ? JSON.parse(text) : text;
          } catch {
            this.response = text;
          }
        }
      })
      .catch(() => {
        this.status = 0;
      })
      .finally(() => {
        this.readyState = 4;
        this.onreadystatechange?.();
      });
  }
}

export function installXhr(): () => void {
  const global = globalThis as { XMLHttpRequest?: unknown };
  const before = global.XMLHttpRequest;
  global.XMLHttpRequest = XhrOnFetch;
  return () => {
    global.XMLHttpRequest = before;
  };
}
