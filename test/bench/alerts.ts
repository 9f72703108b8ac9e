/**
 * Time-to-notification benchmark: from a finding stored to each destination acknowledging its
 * alert (the figure Vigil stores per delivery and exports as a histogram), for HL7 v2 over MLLP
 * (ORU^R01 then OMI^O23), a FHIR R4 transaction (order search, then the bundle), a webhook and a
 * PACS (C-STORE of the result SR; these findings have no key image, so no SC).
 * Peers are loopback stubs answering at once, so this is Vigil's own cost: outbox write, wake-up,
 * context read, message build, wire, ACK, bookkeeping.
 *   one-by-one  each finding waits until the previous one is delivered everywhere;
 *   burst       BURST findings at once (queueing behind each other, in order, per destination).
 *
 *   npx tsx test/bench/alerts.ts        (ALERTS=50 BURST=50)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { PacsSink } from '../../src/tools/demo/pacs-sink.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode } from '../../src/node.js';
import { FhirStub } from '../helpers/fhir-stub.js';
import { makeFinding, seedStudy } from '../helpers/findings.js';
import { MllpPeer } from '../helpers/mllp-peer.js';
import express from 'express';
import type net from 'node:net';

const ALERTS = Number(process.env.ALERTS ?? 50);
const DESTINATIONS = ['ris', 'ehr', 'hook', 'pacs'];
const BURST = Number(process.env.BURST ?? 50);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-alerts-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const peer = new MllpPeer();
await peer.start();
const fhir = new FhirStub();
fhir.validate = false;
await fhir.start();
const pacs = new PacsSink({ host: '127.0.0.1' });
await pacs.start();
const hook = express()
  .post('/hook', (_req, res) => void res.status(204).end())
  .listen(0, '127.0.0.1');
await new Promise((r) => hook.once('listening', r));

const node = await startNode(
  configSchema.parse({
    dataDir: path.join(work, 'data'),
    dicom: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    storage: { minFreeMb: 0 },
    alerts: {
      destinations: [
        { id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port },
        { id: 'ehr', type: 'fhir', baseUrl: fhir.baseUrl, team: { display: 'Neuro on call' } },
        { id: 'hook', type: 'webhook', url: `http://127.0.0.1:${(hook.address() as net.AddressInfo).port}/hook`, secret: 'bench' },
        { id: 'pacs', type: 'dicom', host: '127.0.0.1', port: pacs.port, aeTitle: pacs.aeTitle },
      ],
    },
  }),
  { log: silentLogger() },
);

const studies = Array.from({ length: ALERTS + BURST }, (_, i) => seedStudy(node.index, `bench-${i}`));
const pending = (): number => node.alerts.deliveries.pendingCounts().size;
async function drained(): Promise<void> {
  while (pending() > 0) await new Promise((r) => setTimeout(r, 1));
}

function report(label: string, fromSeq: number): void {
  const rows = node.alerts.deliveries.list({ after: fromSeq, limit: 100_000 });
  for (const dest of DESTINATIONS) {
    const ttn = rows
      .filter((d) => d.destinationId === dest && d.state === 'delivered')
      .map((d) => d.timeToNotificationMs!)
      .sort((a, b) => a - b);
    const q = (p: number): number => ttn[Math.min(ttn.length - 1, Math.floor(p * ttn.length))]!;
    console.log(`${label.padEnd(11)} ${dest.padEnd(5)} n=${String(ttn.length).padEnd(4)} median ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${ttn.at(-1)} ms`);
  }
}

for (const s of studies.slice(0, ALERTS)) {
  node.triage.findings.record(makeFinding(s, { createdAt: Date.now() }), null, () => true);
  await drained();
}
report('one-by-one', 0);
const lastSeq = node.alerts.deliveries.list({ limit: 100_000 }).at(-1)!.seq;
const t0 = performance.now();
for (const s of studies.slice(ALERTS)) node.triage.findings.record(makeFinding(s, { createdAt: Date.now() }), null, () => true);
await drained();
const seconds = (performance.now() - t0) / 1000;
report('burst', lastSeq);
const deliveries = BURST * DESTINATIONS.length;
console.log(
  `burst: ${BURST} alerts x ${DESTINATIONS.length} destinations delivered in ${seconds.toFixed(2)} s (${(deliveries / seconds).toFixed(0)} deliveries/s)`,
);
await node.stop();
await peer.stop();
await fhir.stop();
await pacs.stop();
hook.close();
