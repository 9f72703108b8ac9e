import http from 'node:http';

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * A minimal Server-Sent Events reader over node:http (what a browser's EventSource does, for
 * tests that need no browser): collects events as they come and waits for the next of a name.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  private request: http.ClientRequest | undefined;
  private waiters: { name: string; from: number; resolve: (e: SseEvent) => void }[] = [];

  /** Resolves once the response head is in (any status). */
  open(port: number, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.request = http.get({ host: '127.0.0.1', port, path, headers: { Accept: 'text/event-stream' } }, (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            this.take(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
          }
        });
        res.on('end', () => (this.ended = true));
        resolve();
      });
      this.request.on('error', reject);
    });
  }

  /** The next event of this name after the `from`-th event received (0: any so far). */
  next(name: string, from = 0): Promise<SseEvent> {
    const found = this.events.slice(from).find((e) => e.event === name);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ name, from, resolve }));
  }

  close(): void {
    this.request?.destroy();
  }

  private take(block: string): void {
    const e: SseEvent = { event: 'message', data: '' };
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line.startsWith('retry:')) continue;
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      if (field === 'event') e.event = value;
      else if (field === 'data') e.data += value;
      else if (field === 'id') e.id = value;
      isEvent = true;
    }
    if (!isEvent) return;
    this.events.push(e);
    const index = this.events.length;
    for (const w of [...this.waiters]) {
      if (w.name === e.event && index > w.from) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }
}
