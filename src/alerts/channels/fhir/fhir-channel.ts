import type tls from 'node:tls';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import type { FhirDestinationConfig } from '../../../config/sections/alerts.js';
import { VigilError } from '../../../core/errors.js';
import type { ChannelHandler, DeliveryJob, DeliveryReceipt } from '../channel.js';
import { httpFailure, httpSend, type HttpResponse } from '../http-request.js';
import { tlsClientOptions } from '../../../config/tls-client.js';
import { buildAlertBundle, shouldRaise, type OrderToRaise } from './bundle.js';
import { FhirCredentials } from './credentials.js';

const FHIR_JSON = 'application/fhir+json';

/**
 * FHIR R4: looks up the study's order by accession (ServiceRequest, else Task), then posts one
 * transaction Bundle (see bundle.ts). Success means every entry of the transaction-response
 * came back 2xx.
 */
export class FhirChannel implements ChannelHandler {
  readonly type = 'fhir' as const;
  private readonly tls: tls.ConnectionOptions | undefined;
  private readonly credentials: FhirCredentials;
  private readonly base: string;

  constructor(private readonly dest: FhirDestinationConfig) {
    this.tls = tlsClientOptions(dest.tls);
    this.credentials = new FhirCredentials(dest, this.tls);
    this.base = dest.baseUrl.replace(/\/+$/, '');
  }

  async deliver(job: DeliveryJob): Promise<DeliveryReceipt> {
    const { alert, delivery, context } = job;
    const wantsOrder = delivery.kind === 'alert' && alert.priority !== 'routine' && context.study.accessionNumber !== '';
    const order = wantsOrder ? await this.findOrder(context.study.accessionNumber, job) : undefined;
    const raise = order && shouldRaise(order.priority, alert.priority) ? order : undefined;
    const bundle = buildAlertBundle({ dest: this.dest, alert, delivery, context, at: job.now(), order: raise });
    const res = await this.exchange('POST', this.base, requestOf(job), JSON.stringify(bundle));
    const failure = httpFailure(res, 'FHIR transaction');
    if (failure) throw failure;
    const answer = parseJson(res.text, 'FHIR transaction response') as Bundle;
    const statuses = (answer.entry ?? []).map((e) => e.response?.status ?? '');
    if (answer.resourceType !== 'Bundle' || answer.type !== 'transaction-response' || statuses.length !== bundle.entry!.length) {
      throw new VigilError('ALERT_RESPONSE_MALFORMED', 'the FHIR server did not answer with a transaction-response of the same length');
    }
    if (!statuses.every((s) => /^2\d\d/.test(s)))
      throw new VigilError('ALERT_RESPONSE_MALFORMED', `the transaction-response has entries with status ${statuses.join(', ')}`);
    job.stepDone(1);
    const locations = (answer.entry ?? []).map((e) => e.response?.location?.replace(/\/_history\/.*$/, '')).filter(Boolean);
    const raised = raise ? `; ${raise.resourceType}/${raise.id} raised to ${alert.priority}` : '';
    return { note: `${locations.join(', ')}${raised}` || null };
  }

  async close(): Promise<void> {
    // node:http keeps no connection of ours open between requests (no agent keep-alive is set).
  }

  /** The study's order: the only ServiceRequest with this accession, else the only Task. */
  private async findOrder(accession: string, job: DeliveryJob): Promise<OrderToRaise | undefined> {
    const identifier = encodeURIComponent(`${this.dest.accessionIdentifierSystem}|${accession}`);
    for (const type of ['ServiceRequest', 'Task'] as const) {
      const res = await this.exchange('GET', `${this.base}/${type}?identifier=${identifier}`, requestOf(job));
      const failure = httpFailure(res, `FHIR ${type} search`);
      if (failure) throw failure;
      const found = ((parseJson(res.text, `FHIR ${type} search`) as Bundle).entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is OrderToRaise => r?.resourceType === type);
      // Two orders with one accession is the RIS's confusion to sort out, not ours to guess.
      if (found.length === 1) return found[0];
      if (found.length > 1) return undefined;
    }
    return undefined;
  }

  /** The server's CapabilityStatement, read with our credentials (a client-credentials token is fetched for it). */
  async check(signal: AbortSignal): Promise<string> {
    const now = Date.now();
    const res = await this.exchange('GET', `${this.base}/metadata`, { now, signal, requestId: `check-${now}` });
    const failure = httpFailure(res, 'FHIR capability statement');
    if (failure) throw failure;
    const statement = parseJson(res.text, 'FHIR capability statement') as { resourceType: string; fhirVersion?: string; software?: { name?: string } };
    if (statement.resourceType !== 'CapabilityStatement')
      throw new VigilError('ALERT_RESPONSE_MALFORMED', `${this.base}/metadata is a ${statement.resourceType}, not a CapabilityStatement`);
    if (!statement.fhirVersion?.startsWith('4.0'))
      throw new VigilError('ALERT_RESPONSE_MALFORMED', `the server speaks FHIR ${statement.fhirVersion ?? '(no version)'}, not R4 (4.0.x)`);
    return `FHIR ${statement.fhirVersion} server${statement.software?.name ? ` (${statement.software.name})` : ''} at ${this.base} answered its CapabilityStatement`;
  }

  /** One request with our credentials; a refused cached token is renewed once. */
  private async exchange(method: 'GET' | 'POST', url: string, req: RequestContext, body?: string): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.credentials.header(req.now, req.signal);
      const res = await httpSend({
        url,
        method,
        headers: {
          Accept: FHIR_JSON,
          ...(body ? { 'Content-Type': FHIR_JSON } : {}),
          ...(authorization ? { Authorization: authorization } : {}),
          'X-Request-Id': req.requestId,
        },
        body,
        timeoutMs: this.dest.timeoutMs,
        signal: req.signal,
        tls: this.tls,
      });
      if (res.status === 401 && attempt === 1 && this.credentials.invalidate()) continue;
      return res;
    }
  }
}

/** What one request needs to know about the attempt it belongs to. */
interface RequestContext {
  now: number;
  signal: AbortSignal;
  requestId: string;
}

function requestOf(job: DeliveryJob): RequestContext {
  return { now: job.now(), signal: job.signal, requestId: `${job.delivery.idempotencyKey}-${job.delivery.attempts}` };
}

function parseJson(text: string, what: string): FhirResource {
  try {
    return JSON.parse(text) as FhirResource;
  } catch {
    throw new VigilError('ALERT_RESPONSE_MALFORMED', `${what} is not JSON`);
  }
}
