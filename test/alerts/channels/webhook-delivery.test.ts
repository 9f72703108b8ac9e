import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type net from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { signWebhook, verifyWebhook } from '../../../src/alerts/channels/webhook/signature.js';
import { alertsHarness, type AlertsHarness } from '../../helpers/alerts-harness.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { eventually } from '../../helpers/eventually.js';

interface Hit {
  headers: http.IncomingHttpHeaders;
  raw: string;
  valid: boolean;
}

describe('alerts/channels/webhook: signed JSON to a receiver', function () {
  this.timeout(20_000);
  let server: http.Server;
  let hits: Hit[];
  let statuses: number[];
  let h: AlertsHarness;

  async function setup(dest: Record<string, unknown> = {}): Promise<void> {
    hits = [];
    statuses = [];
    const app = express();
    app.post('/hook', express.text({ type: '*/*' }), (req, res) => {
      const raw = req.body as string;
      const valid = verifyWebhook(
        'top-secret',
        { timestamp: req.get('x-vigil-timestamp'), signature: req.get('x-vigil-signature') },
        raw,
        Math.floor(Date.now() / 1000),
      );
      hits.push({ headers: req.headers, raw, valid });
      res.status(statuses.shift() ?? 204).end();
    });
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`;
    h = alertsHarness({
      destinations: [{ id: 'hook', type: 'webhook', url, secret: 'top-secret', ...dest } as never],
      delivery: { backoff: { initialMs: 10, maxMs: 40 } },
    });
    await h.part.start();
  }
  afterEach(async () => {
    await h.dispose();
    await new Promise((r) => server.close(r));
  });

  const raise = (seed: string, overrides = {}): void =>
    void h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, seed, { patientName: 'SECRET^NAME', patientId: 'SECRET-ID' }), overrides));
  const settled = () =>
    eventually(
      () => (h.part.deliveries.list({ limit: 10 }).every((d) => d.state !== 'pending') ? h.part.deliveries.list({ limit: 10 }) : undefined),
      'settled',
    );

  it('signs body and timestamp with HMAC-SHA256; the same id and body on a retry; no patient data by default', async () => {
    await setup();
    statuses.push(503);
    raise('w1');
    const [d] = await settled();
    expect(d).to.include({ state: 'delivered', attempts: 2 });
    expect(hits.map((x) => x.valid)).to.deep.equal([true, true]);
    expect(hits[0]!.raw).to.equal(hits[1]!.raw);
    expect(hits[0]!.headers['idempotency-key']).to.equal(d!.idempotencyKey);
    expect(hits[0]!.headers['x-vigil-event']).to.equal('alert.raised');
    const body = JSON.parse(hits[0]!.raw) as Record<string, unknown>;
    expect(body).to.include({ id: d!.idempotencyKey, event: 'alert.raised' });
    expect(body.notice).to.match(/not a diagnosis/);
    expect(body).not.to.have.property('caveat');
    expect(hits[0]!.raw).not.to.include('SECRET');
  });

  it('carries the caveat of a finding made on part of its series', async () => {
    await setup();
    raise('w-partial', { incompleteSeries: { images: 180, announced: 240 } });
    await settled();
    const body = JSON.parse(hits[0]!.raw) as { caveat: string; finding: { incompleteSeries: unknown } };
    expect(body.finding.incompleteSeries).to.deep.equal({ images: 180, announced: 240 });
    expect(body.caveat).to.match(/^Made on an incomplete series: 180 of the 240 images/);
  });

  it('a withdrawal is an alert.withdrawn event about the same result, with the negative finding', async () => {
    await setup();
    const study = seedStudy(h.index, 'w-withdrawn');
    const first = h.part.outbox.enqueueForFinding(makeFinding(study));
    await settled();
    h.part.outbox.enqueueForFinding(makeFinding(study, { positive: false, critical: false, priority: 'routine', probability: 0.04 }));
    await settled();
    if (first.outcome !== 'created') throw new Error('not created');
    expect(hits.map((hit) => [hit.headers['x-vigil-event'], hit.valid])).to.deep.equal([
      ['alert.raised', true],
      ['alert.withdrawn', true],
    ]);
    const [raised, withdrawn] = hits.map(
      (hit) => JSON.parse(hit.raw) as { event: string; alert: Record<string, unknown>; finding: { positive: boolean; probability: number }; summary: string },
    );
    expect(raised!.alert).to.include({ id: first.alert.id, resultId: first.alert.id, corrects: false, replaces: null });
    expect(withdrawn!.alert).to.include({ id: first.alert.id, resultId: first.alert.id, corrects: true });
    expect(withdrawn!.finding).to.include({ positive: false, probability: 0.04 });
    expect(withdrawn!.summary).to.match(/^Withdrawn: model stroke 1\.0\.0, run again on a later version of the series, no longer finds Hemorrhage/);
  });

  it('includes the patient when asked; a 4xx is a dead letter', async () => {
    await setup({ includePatient: true });
    statuses.push(410);
    raise('w2');
    raise('w3');
    const all = await settled();
    expect(all.map((d) => d.state)).to.deep.equal(['dead', 'delivered']);
    expect(JSON.parse(hits[1]!.raw).patient).to.deep.equal({ id: 'SECRET-ID', issuer: '', name: 'SECRET^NAME' });
  });

  it('over HTTPS: an untrusted certificate leaves the delivery pending with ALERT_HTTP_TLS_FAILED, the right CA delivers', async () => {
    await setup();
    const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/tls');
    const secure = https.createServer(
      { cert: fs.readFileSync(path.join(tlsDir, 'peer-cert.pem')), key: fs.readFileSync(path.join(tlsDir, 'peer-key.pem')) },
      (req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      },
    );
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(secure.address() as net.AddressInfo).port}/hook`;
      const it = h.part.destinations;
      it.put({ id: 'untrusted', type: 'webhook', url, secret: 's' }, Date.now());
      it.put({ id: 'trusted', type: 'webhook', url, secret: 's', tls: { caFile: path.join(tlsDir, 'peer-cert.pem') } }, Date.now());
      raise('tls');
      const rows = await eventually(() => {
        const all = h.part.deliveries.list({ limit: 10 });
        const byDest = Object.fromEntries(all.map((d) => [d.destinationId, d]));
        return byDest.trusted?.state === 'delivered' && byDest.untrusted?.lastErrorCode ? byDest : undefined;
      }, 'one delivered, one refused');
      expect(rows.untrusted).to.include({ state: 'pending', lastErrorCode: 'ALERT_HTTP_TLS_FAILED' });
    } finally {
      secure.close();
    }
  });

  it('verification refuses a forged body, another secret and a replayed (old) timestamp', () => {
    const now = 1_700_000_000;
    const sig = signWebhook('k', now, '{"a":1}');
    expect(verifyWebhook('k', { timestamp: String(now), signature: sig }, '{"a":1}', now)).to.equal(true);
    expect(verifyWebhook('k', { timestamp: String(now), signature: sig }, '{"a":2}', now)).to.equal(false);
    expect(verifyWebhook('other', { timestamp: String(now), signature: sig }, '{"a":1}', now)).to.equal(false);
    expect(verifyWebhook('k', { timestamp: String(now), signature: sig }, '{"a":1}', now + 301)).to.equal(false);
    expect(verifyWebhook('k', { timestamp: undefined, signature: sig }, '{"a":1}', now)).to.equal(false);
  });
});
