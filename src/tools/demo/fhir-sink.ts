import http from 'node:http';
import type net from 'node:net';
import { listen } from '../../core/listen.js';

/** Largest request body the sink reads; Vigil's transactions are a few kilobytes. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const FHIR_JSON = 'application/fhir+json';

interface Identifier {
  system?: string;
  value?: string;
}

export interface FhirResourceLike {
  resourceType: string;
  id?: string;
  identifier?: Identifier[];
  [key: string]: unknown;
}

/** One resource the sink took, from a transaction or a plain create. */
export interface StoredFhirResource {
  resourceType: string;
  /** The server id the sink gave it. */
  id: string;
  resource: FhirResourceLike;
}

/** One write request as received: a transaction Bundle or a single create. */
export interface ReceivedFhir {
  /** The request body, parsed (tests validate it). */
  body: FhirResourceLike;
  /** Per entry: created (201), or matched by its ifNoneExist (200: a retry), or updated (200). */
  outcomes: { resourceType: string; id: string; status: 201 | 200 }[];
  /** Study Instance UID the request is about (DiagnosticReport.imagingStudy), when it says. */
  studyInstanceUid: string | null;
  at: number;
}

interface TransactionEntry {
  resource?: FhirResourceLike;
  request?: { method?: string; url?: string; ifNoneExist?: string };
}

/**
 * A stand-in FHIR R4 server for the demo and the end-to-end test, on node:http: searches
 * answer an empty searchset (no orders here), a transaction is applied with conditional
 * create (ifNoneExist on identifier, so a resent alert creates nothing twice) and answered
 * with a transaction-response whose entries say 201 Created, a plain create answers 201.
 */
export class FhirSink {
  readonly received: ReceivedFhir[] = [];
  /** Requests refused as not FHIR (bad JSON, unknown route). */
  refused = 0;
  private readonly stored: StoredFhirResource[] = [];
  private server: http.Server | undefined;
  private nextId = 1;

  constructor(private readonly opts: { host: string; port?: number; onReceived?: (r: ReceivedFhir) => void }) {}

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  /** The base URL a FHIR destination points at. */
  get baseUrl(): string {
    return `http://${this.opts.host}:${this.port}/fhir`;
  }

  /** Every resource created, in order. */
  resources(type?: string): StoredFhirResource[] {
    return this.stored.filter((r) => type === undefined || r.resourceType === type);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await listen(server, this.opts.port ?? 0, this.opts.host);
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sink');
    const parts = url.pathname.split('/').filter((p) => p.length > 0);
    if (parts[0] !== 'fhir') return this.problem(res, 404, 'not-found', 'this server answers under /fhir only');
    if (req.method === 'GET' && parts.length === 2) {
      // Order look-ups by accession: the demo has no RIS orders, so nothing is found.
      return this.send(res, 200, { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });
    }
    if (req.method !== 'POST' || parts.length > 2) return this.problem(res, 404, 'not-supported', `${req.method} ${url.pathname} is not supported here`);
    let body: FhirResourceLike;
    try {
      body = await readJson(req);
    } catch (err) {
      return this.problem(res, 400, 'structure', (err as Error).message);
    }
    if (parts.length === 1) {
      if (body.resourceType !== 'Bundle' || body.type !== 'transaction' || !Array.isArray(body.entry)) {
        return this.problem(res, 400, 'structure', 'POST to the base takes a transaction Bundle');
      }
      const entries = body.entry as TransactionEntry[];
      if (entries.some((e) => !e.resource?.resourceType || !e.request?.method))
        return this.problem(res, 400, 'structure', 'every entry needs a resource and a request');
      const outcomes = entries.map((e) => this.apply(e.resource!, e.request!));
      this.record(body, outcomes);
      return this.send(res, 200, {
        resourceType: 'Bundle',
        type: 'transaction-response',
        entry: outcomes.map((o) => ({ response: { status: o.status === 201 ? '201 Created' : '200 OK', location: `${o.resourceType}/${o.id}/_history/1` } })),
      });
    }
    if (body.resourceType !== parts[1]) return this.problem(res, 400, 'structure', `the body is a ${String(body.resourceType)}, the URL says ${parts[1]}`);
    const outcome = this.apply(body, { method: 'POST', ifNoneExist: req.headers['if-none-exist'] as string | undefined });
    this.record(body, [outcome]);
    res.setHeader('Location', `${this.baseUrl}/${outcome.resourceType}/${outcome.id}/_history/1`);
    return this.send(res, outcome.status, { ...body, id: outcome.id });
  }

  /** Conditional create on `identifier=system|value`; a PUT replaces by id. */
  private apply(resource: FhirResourceLike, request: { method?: string; url?: string; ifNoneExist?: string }): ReceivedFhir['outcomes'][number] {
    const type = resource.resourceType;
    if (request.method === 'PUT') {
      const id = request.url?.split('/')[1] ?? String(this.nextId++);
      return { resourceType: type, id, status: 200 };
    }
    const wanted = /^identifier=([^|]*)\|(.*)$/.exec(request.ifNoneExist ?? '');
    const existing = wanted
      ? this.stored.find((r) => r.resourceType === type && r.resource.identifier?.some((i) => i.system === wanted[1] && i.value === wanted[2]))
      : undefined;
    if (existing) return { resourceType: type, id: existing.id, status: 200 };
    const id = String(this.nextId++);
    this.stored.push({ resourceType: type, id, resource: { ...resource, id } });
    return { resourceType: type, id, status: 201 };
  }

  private record(body: FhirResourceLike, outcomes: ReceivedFhir['outcomes']): void {
    const record: ReceivedFhir = { body, outcomes, studyInstanceUid: studyUidOf(body), at: Date.now() };
    this.received.push(record);
    this.opts.onReceived?.(record);
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': FHIR_JSON });
    res.end(JSON.stringify(body));
  }

  private problem(res: http.ServerResponse, status: number, code: string, diagnostics: string): void {
    this.refused++;
    this.send(res, status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] });
  }
}

function readJson(req: http.IncomingMessage): Promise<FhirResourceLike> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (value === null || typeof value !== 'object' || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
          reject(new Error('the body is not a FHIR resource (no resourceType)'));
        } else resolve(value as FhirResourceLike);
      } catch {
        reject(new Error('the body is not JSON'));
      }
    });
  });
}

/** DiagnosticReport.imagingStudy (Vigil writes the study as urn:oid:<Study Instance UID>). */
function studyUidOf(body: FhirResourceLike): string | null {
  const resources = body.resourceType === 'Bundle' ? ((body.entry as TransactionEntry[] | undefined) ?? []).map((e) => e.resource) : [body];
  for (const r of resources) {
    const studies = (r?.imagingStudy as { identifier?: Identifier }[] | undefined) ?? [];
    const value = studies.map((s) => s.identifier?.value).find((v) => v?.startsWith('urn:oid:'));
    if (value) return value.slice('urn:oid:'.length);
  }
  return null;
}

/**
 * What a person needs to see of a received request, without patient data: per resource its
 * type, the sink's answer, and its key fields (status, code, value, interpretation, priority).
 */
export function readableFhir(r: ReceivedFhir): string[] {
  const resources = r.body.resourceType === 'Bundle' ? ((r.body.entry as TransactionEntry[] | undefined) ?? []).map((e) => e.resource!) : [r.body];
  return resources.map((res, i) => {
    const o = r.outcomes[i];
    const answer = o ? `${o.status === 201 ? '201 Created' : '200 OK'} ${o.resourceType}/${o.id}` : '';
    return `${res.resourceType.padEnd(17)} ${answer.padEnd(28)} ${keyFields(res)}`.trimEnd();
  });
}

function keyFields(res: FhirResourceLike): string {
  const text = (c: unknown): string | undefined => {
    const cc = c as { text?: string; coding?: { code?: string; display?: string }[] } | undefined;
    const coding = cc?.coding?.[0];
    return cc?.text ?? (coding ? `${coding.code ?? ''} ${coding.display ?? ''}`.trim() : undefined);
  };
  const fields: [string, string | undefined][] = [
    ['status', res.status as string | undefined],
    ['code', text(res.code)],
    ['conclusion', text((res.conclusionCode as unknown[] | undefined)?.[0])],
    ['value', res.valueQuantity ? `${(res.valueQuantity as { value?: number }).value}` : undefined],
    ['interpretation', text((res.interpretation as unknown[] | undefined)?.[0])],
    ['priority', res.priority as string | undefined],
    ['to', (res.recipient as { display?: string }[] | undefined)?.[0]?.display],
  ];
  return fields
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
