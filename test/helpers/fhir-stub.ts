import type http from 'node:http';
import type net from 'node:net';
import express from 'express';
import { fhirProblems } from './fhir-validator.js';

type Resource = { resourceType: string; id?: string; meta?: { versionId?: string }; identifier?: { system?: string; value?: string }[]; [k: string]: unknown };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** FHIR R4 validation problems of the body (empty when valid or no body). */
  problems: string[];
}

/**
 * A FHIR R4 server stub on loopback (express): transactions with conditional create
 * (ifNoneExist on identifier), versioned update (ifMatch) and conditional update (on
 * identifier), identifier search, an OAuth2 client-credentials token endpoint. Every request is recorded and every body validated;
 * an invalid body is refused with 400, as a strict server would.
 */
export class FhirStub {
  readonly requests: RecordedRequest[] = [];
  readonly store = new Map<string, Resource[]>();
  /** The bearer token required on FHIR requests (none when undefined). */
  token: string | undefined;
  /** Client credentials the token endpoint accepts. */
  client = { id: 'vigil', secret: 'shh', token: 'issued-token', expiresIn: 3600 };
  tokensIssued = 0;
  /** Validate every body (tests); a benchmark turns it off to time Vigil rather than the validator. */
  validate = true;
  /** What GET /metadata says the server speaks. */
  fhirVersion = '4.0.1';
  private failures: { status: number; body: unknown }[] = [];
  private answersToLose = 0;
  private server: http.Server | undefined;
  private nextId = 1;

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server!.address() as net.AddressInfo).port}/fhir`;
  }

  /** The next `count` FHIR requests answer `status`. */
  failNext(
    status: number,
    count = 1,
    body: unknown = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: `stub says ${status}` }] },
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, body });
  }

  /** The next transaction is applied but its answer is lost (a 502 from a proxy, say). */
  loseNextAnswer(): void {
    this.answersToLose++;
  }

  add(resource: Resource): Resource {
    const stored = { ...resource, id: resource.id ?? String(this.nextId++), meta: { versionId: '1' } };
    this.store.set(resource.resourceType, [...(this.store.get(resource.resourceType) ?? []), stored]);
    return stored;
  }

  all(type: string): Resource[] {
    return this.store.get(type) ?? [];
  }

  transactions(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/fhir');
  }

  async start(): Promise<void> {
    const app = express();
    app.post('/token', express.urlencoded({ extended: false }), (req, res) => {
      const basic = Buffer.from(`${this.client.id}:${this.client.secret}`).toString('base64');
      if (req.headers.authorization !== `Basic ${basic}` || req.body?.grant_type !== 'client_credentials') {
        res.status(400).json({ error: 'invalid_client' });
        return;
      }
      this.tokensIssued++;
      res.json({ access_token: this.client.token, token_type: 'Bearer', expires_in: this.client.expiresIn });
    });
    app.use('/fhir', express.json({ type: ['application/json', 'application/fhir+json'], limit: '5mb' }), (req, res, next) => {
      const body = req.method === 'GET' ? undefined : (req.body as unknown);
      const problems = this.validate && body && typeof body === 'object' && 'resourceType' in body ? fhirProblems(body as Resource) : [];
      this.requests.push({ method: req.method, path: req.baseUrl + (req.path === '/' ? '' : req.path), headers: req.headers, body, problems });
      if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
        res.status(401).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
        return;
      }
      const failure = this.failures.shift();
      if (failure) {
        res.status(failure.status).json(failure.body);
        return;
      }
      if (problems.length > 0) {
        res.status(400).json({ resourceType: 'OperationOutcome', issue: problems.map((p) => ({ severity: 'error', code: 'invalid', diagnostics: p })) });
        return;
      }
      next();
    });
    app.get('/fhir/metadata', (_req, res) => {
      res.type('application/fhir+json').json({
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: '2026-11-29',
        kind: 'instance',
        fhirVersion: this.fhirVersion,
        format: ['json'],
        software: { name: 'Vigil test FHIR stub' },
      });
    });
    app.get('/fhir/:type', (req, res) => {
      const identifier = typeof req.query.identifier === 'string' ? req.query.identifier : '';
      const [system, value] = identifier.split('|');
      const found = this.all(req.params.type).filter((r) => r.identifier?.some((i) => i.system === system && i.value === value));
      res
        .type('application/fhir+json')
        .json({ resourceType: 'Bundle', type: 'searchset', total: found.length, entry: found.map((resource) => ({ resource })) });
    });
    app.post('/fhir', (req, res) => this.transaction(req.body as Resource, res));
    await new Promise<void>((resolve) => {
      this.server = app.listen(0, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private transaction(bundle: Resource, res: express.Response): void {
    const entries = (bundle.entry as { resource: Resource; request: { method: string; url: string; ifNoneExist?: string; ifMatch?: string } }[]) ?? [];
    const out: { response: { status: string; location?: string } }[] = [];
    for (const { resource, request } of entries) {
      if (request.method === 'POST') {
        const [system, value] = (request.ifNoneExist ?? '').replace(/^identifier=/, '').split('|');
        const existing = request.ifNoneExist
          ? this.all(resource.resourceType).find((r) => r.identifier?.some((i) => i.system === system && i.value === value))
          : undefined;
        const stored = existing ?? this.add(resource);
        out.push({ response: { status: existing ? '200 OK' : '201 Created', location: `${stored.resourceType}/${stored.id}/_history/1` } });
      } else if (request.method === 'PUT' && request.url.includes('?')) {
        // Conditional update (on identifier): replaces the one match, creates when none, 412 when several.
        const [type, query] = request.url.split('?');
        const [system, value] = decodeURIComponent(query!.replace(/^identifier=/, '')).split('|');
        const matches = this.all(type!).filter((r) => r.identifier?.some((i) => i.system === system && i.value === value));
        if (matches.length > 1) {
          res.status(412).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'multiple-matches' }] });
          return;
        }
        const current = matches[0];
        const stored = current ? { ...resource, id: current.id, meta: { versionId: String(Number(current.meta?.versionId ?? '1') + 1) } } : this.add(resource);
        if (current) this.store.set(type!, [...this.all(type!).filter((r) => r.id !== current.id), stored]);
        out.push({ response: { status: current ? '200 OK' : '201 Created', location: `${type}/${stored.id}/_history/${stored.meta?.versionId ?? '1'}` } });
      } else if (request.method === 'PUT') {
        const [type, id] = request.url.split('/');
        const list = this.all(type!);
        const current = list.find((r) => r.id === id);
        if (current && request.ifMatch && request.ifMatch !== `W/"${current.meta?.versionId}"`) {
          res.status(412).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict' }] });
          return;
        }
        const version = String(Number(current?.meta?.versionId ?? '0') + 1);
        this.store.set(type!, [...list.filter((r) => r.id !== id), { ...resource, id, meta: { versionId: version } }]);
        out.push({ response: { status: '200 OK', location: `${type}/${id}/_history/${version}` } });
      }
    }
    if (this.answersToLose > 0) {
      this.answersToLose--;
      res.status(502).send('bad gateway');
      return;
    }
    res.type('application/fhir+json').json({ resourceType: 'Bundle', type: 'transaction-response', entry: out });
  }
}
