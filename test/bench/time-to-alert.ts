/**
 * Time-to-alert benchmark: from the C-STORE response of a study's last instance to the HL7 ACK
 * (MLLP peer), the FHIR response (HTTP endpoint) and the PACS's C-STORE responses (the result SR and
 * the key-image SC, to the demo's stand-in PACS) for the alert it raises, p50 and p95, broken
 * down into completeness wait, queue, decode, preprocessing, inference, key image + finding
 * transaction, and delivery. Positive phantoms of each kind (head CT with ICH → stroke-ich, CTPA
 * with PE → pe-ctpa, chest radiograph with pneumothorax → pneumothorax-cxr), routed by the
 * shipped plugins' rules, as a scanner sends them. The HL7 figure ends at the last ACK of the
 * delivery (ORU^R01, then OMI^O23: the phantoms carry an accession number):
 *   known  completeness known: CT by its count tags, the radiograph by an MPPS step COMPLETED
 *          sent before its image; each study is sent when the one before has been alerted.
 *   idle   the idle window alone (series.idleSeconds, counts and MPPS off); a study starts every
 *          GAP_MS so that the windows overlap and the run does not last N × the window.
 *   none   no signal (counts and MPPS off, every other key at a fresh install's default): WARMUP
 *          studies of each kind from the same scanner first (a study every GAP_MS; they wait the
 *          idle window, and the node learns the sender's gaps and images per series), then the
 *          measured studies one at a time, completed by the learned quiet time (or, for the
 *          radiograph, at once as a single image from a sender of single-image series).
 *   burst  as none (the same warm-up), then BURST_CXR radiographs, BURST_CT head CTs and BURST_CT
 *          CTPAs from 4 senders at once (each sender one study after another, one association per
 *          study), the CTs spread among the radiographs: the triage queue's order is the story.
 * The node runs in this process (fsync on, its default config otherwise); the peers are real
 * loopback servers; stage times are read back from the node's API (/changes, /findings, /jobs,
 * /alerts). Model packs come from models/ or VIGIL_BENCH_MODELS; a kind whose pack is missing
 * or unavailable is skipped with the reason.
 *
 *   npx tsx test/bench/time-to-alert.ts     (STUDIES=20 CT_MATRIX=256 CXR_SCALE_DOWN=1 IDLE_SECONDS=<config> GAP_MS=3000 WARMUP=10 BURST_CXR=60 BURST_CT=5 MODES="known idle none burst" STUDY_CACHE=<dir> DATABASE=sqlite)
 * DATABASE=postgres keeps the node's index (and every queue) on a throw-away PostgreSQL 15 server
 * on loopback (bench-postgres.ts: fsync on), a fresh database per mode; DATABASE=both runs each
 * mode on SQLite, then on PostgreSQL, the same studies, and prints the two side by side.
 * STUDY_CACHE keeps the phantoms in a folder of your choice and reuses them: draw them once (PREPARE_ONLY=1 stops
 * there), time later on a quiet machine.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { startNode, type VigilNode } from '../../src/node.js';
import { PacsSink } from '../../src/tools/demo/pacs-sink.js';
import { FhirStub } from '../helpers/fhir-stub.js';
import { MllpPeer } from '../helpers/mllp-peer.js';
import { BenchPostgres } from './bench-postgres.js';
import { printBackendComparison, printBurstTargets, printNoSignalTargets, printTable, printTarget, type KindResult } from './time-to-alert/report.js';
import { preliminaryOutcomes, printPreliminaryOutcomes } from './time-to-alert/preliminary.js';
import { completeStep, storeStudy } from './time-to-alert/send.js';
import { SettleWatcher, type Settlement } from './time-to-alert/settled.js';
import { prepareStudies, studyKinds, type PreparedStudy } from './time-to-alert/studies.js';
import { ApiReader, type Timeline } from './time-to-alert/timeline.js';

const STUDIES = Number(process.env.STUDIES ?? 20);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = path.resolve(process.env.VIGIL_BENCH_MODELS ?? path.join(ROOT, 'models'));
const CT_MATRIX = Number(process.env.CT_MATRIX ?? 256);
const CXR_SCALE_DOWN = Number(process.env.CXR_SCALE_DOWN ?? 1);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? configSchema.parse({}).series.idleSeconds);
const GAP_MS = Number(process.env.GAP_MS ?? 3000);
type Mode = 'known' | 'idle' | 'none' | 'burst';
const MODES = (process.env.MODES ?? 'known idle').split(/\s+/).filter(Boolean) as Mode[];
// The phantom scanner sends its radiographs as CR or DX by vendor: ten leave five of each.
const WARMUP = Number(process.env.WARMUP ?? 10);
const BURST_CXR = Number(process.env.BURST_CXR ?? 60);
const BURST_CT = Number(process.env.BURST_CT ?? 5);
const BURST_SENDERS = 4;
/** Where the node keeps its index: the embedded SQLite file, a PostgreSQL server, or each in turn. */
type Backend = 'sqlite' | 'postgres';
const DATABASE = process.env.DATABASE ?? 'sqlite';
if (!['sqlite', 'postgres', 'both'].includes(DATABASE)) {
  console.error(`DATABASE=${DATABASE}: sqlite, postgres or both`);
  process.exit(2);
}
const BACKENDS: Backend[] = DATABASE === 'both' ? ['sqlite', 'postgres'] : [DATABASE as Backend];
const BACKEND_LABEL: Record<Backend, string> = { sqlite: 'index on SQLite', postgres: 'index on PostgreSQL 15 (loopback, fsync on)' };
/** A study that has not settled by then is counted as such, and the run goes on. */
const SETTLE_BOUND_MS = 120_000 + IDLE_SECONDS * 1000;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-tta-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
/** The phantoms: drawn into the run's folder, or kept in STUDY_CACHE (the nodes' data never is). */
const phantoms = process.env.STUDY_CACHE ? path.resolve(process.env.STUDY_CACHE, `ct${CT_MATRIX}-cxr${CXR_SCALE_DOWN}`) : work;

console.log(
  `${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; model packs from ${MODELS}`,
);
const kinds = studyKinds(CT_MATRIX, CXR_SCALE_DOWN).filter((k) => {
  const dir = path.join(MODELS, k.modelId);
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return true;
  console.log(`skipped ${k.label}: no model pack at ${dir}`);
  return false;
});
const prepared = new Map<string, PreparedStudy[]>();
const warmups = new Map<string, PreparedStudy[]>();
for (const kind of kinds) {
  prepared.set(kind.id, await prepareStudies(kind, STUDIES, path.join(phantoms, 'studies')));
  if (MODES.includes('none') || MODES.includes('burst')) warmups.set(kind.id, await prepareStudies(kind, WARMUP, path.join(phantoms, 'warmup'), 1001));
}
const burstCxr =
  MODES.includes('burst') && kinds.some((k) => k.id === 'cxr')
    ? await prepareStudies(
        kinds.find((k) => k.id === 'cxr')!,
        BURST_CXR,
        path.join(phantoms, 'burst'),
        2001,
      )
    : [];

if (process.env.PREPARE_ONLY) {
  console.log(`phantoms ready in ${phantoms}`);
  process.exit(0);
}

const peer = new MllpPeer();
await peer.start();
const fhir = new FhirStub();
fhir.validate = false; // time Vigil, not the stub's validator
await fhir.start();
const pacs = new PacsSink({ host: '127.0.0.1' });
await pacs.start();
const postgres = BACKENDS.includes('postgres') ? await BenchPostgres.start() : undefined;
try {
  for (const mode of MODES) {
    const byBackend = new Map<Backend, (KindResult & { kindId: string })[]>();
    for (const backend of BACKENDS) byBackend.set(backend, await run(mode, backend));
    if (BACKENDS.length === 2)
      printBackendComparison(
        `Time to alert, MODES=${mode}: SQLite against PostgreSQL, the same studies, one run after the other`,
        byBackend.get('sqlite')!,
        byBackend.get('postgres')!,
      );
  }
  const types = new Map<string, number>();
  for (const r of peer.received) types.set(r.msg.type, (types.get(r.msg.type) ?? 0) + 1);
  console.log(`\nHL7 messages the MLLP peer received (each ACKed AA): ${[...types].map(([t, n]) => `${n} × ${t}`).join(', ') || 'none'}`);
} finally {
  await peer.stop();
  await fhir.stop();
  await pacs.stop();
  await postgres?.stop();
}

/** One fresh node per mode and backend (a fresh database on PostgreSQL), the same studies sent to each; the results it printed. */
async function run(mode: Mode, backend: Backend): Promise<(KindResult & { kindId: string })[]> {
  const adminToken = crypto.randomBytes(32).toString('hex');
  const database = backend === 'postgres' ? await postgres!.createDatabase() : undefined;
  const node = await startNode(
    configSchema.parse({
      dataDir: path.join(work, `data-${mode}-${backend}`),
      dicom: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      storage: { minFreeMb: 0, ...(database && { database: { url: database.url } }) },
      plugins: { enabled: ['stroke', 'pe', 'pneumothorax'] },
      series: mode === 'known' ? { idleSeconds: IDLE_SECONDS } : { idleSeconds: IDLE_SECONDS, useCounts: false, useMpps: false },
      triage: { modelsDir: MODELS },
      alerts: {
        destinations: [
          { id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port },
          { id: 'ehr', type: 'fhir', baseUrl: fhir.baseUrl, team: { display: 'On-call radiology' } },
          { id: 'pacs', type: 'dicom', host: '127.0.0.1', port: pacs.port, aeTitle: pacs.aeTitle },
        ],
      },
    }),
    { log: silentLogger(), adminToken },
  );
  try {
    const results: (KindResult & { kindId: string })[] = [];
    if (mode === 'burst') {
      for (const kind of kinds) if (node.triage.registry.get(kind.modelId)?.status === 'available') await warmUp(node, warmups.get(kind.id)!);
      const { results: burst, sentInMs } = await runBurst(node, adminToken);
      printTable(
        `Time to alert in a burst: ${BURST_CXR} radiographs, ${BURST_CT} head CTs and ${BURST_CT} CTPAs from ${BURST_SENDERS} senders at once (sent in ${(sentInMs / 1000).toFixed(1)} s), no signal, after the warm-up; node in process, fsync on, ${BACKEND_LABEL[backend]}, ${node.config.triage.workers} triage workers, load ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
        burst,
      );
      printBurstTargets(burst);
      printPreliminaryOutcomes(preliminaryOutcomes(node.alerts.alerts.list({ limit: 100_000 })));
      return burst;
    }
    for (const kind of kinds) {
      const model = node.triage.registry.get(kind.modelId);
      if (model?.status !== 'available') {
        console.log(`skipped ${kind.label}: model ${kind.modelId} ${model ? `is ${model.status}: ${model.reason?.detail}` : 'not loaded'}`);
        continue;
      }
      if (mode === 'none') await warmUp(node, warmups.get(kind.id)!);
      results.push({ kindId: kind.id, ...(await runKind(node, mode, prepared.get(kind.id)!, adminToken)) });
    }
    const how =
      mode === 'known'
        ? 'completeness known (CT: count tags; radiograph: MPPS COMPLETED), one study at a time'
        : mode === 'idle'
          ? `idle window alone (series.idleSeconds = ${IDLE_SECONDS} s), a study every ${GAP_MS} ms`
          : `no signal (no MPPS, no count tags, a fresh install's defaults) after a warm-up of ${WARMUP} studies per kind from the same scanner, one study at a time`;
    printTable(
      `Time to alert, ${how}; sent by the dcmjs-dimse client; node in process, fsync on, ${BACKEND_LABEL[backend]}, ${node.config.triage.workers} triage workers, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
      results,
    );
    if (mode === 'known') printTarget(results);
    printPreliminaryOutcomes(preliminaryOutcomes(node.alerts.alerts.list({ limit: 100_000 })));
    if (mode === 'none') {
      printNoSignalTargets(results, node.config.series.idleSeconds);
      for (const s of node.series.history.list()) {
        console.log(
          `learned: ${s.key.modality} from ${s.key.callingAeTitle}/${s.key.stationName || '-'}: ${s.seriesLearned} series, ${s.gaps} gaps, quantile ${s.gapQuantileMs ?? '–'} ms, quiet ${s.quietMs === null ? 'not learned' : `${s.quietMs} ms`}${s.singleImageAtOnce ? ', a single image completes a series' : ''}`,
        );
      }
    }
    return results;
  } finally {
    await node.stop();
    if (database) await postgres!.dropDatabase(database.name);
  }
}

/**
 * MPPS=none's warm-up: studies of the same scanner, a study every GAP_MS, each waiting the idle
 * window (nothing learned yet); done when every one has gone all the way (alerted or negative).
 */
async function warmUp(node: VigilNode, studies: PreparedStudy[]): Promise<void> {
  const watcher = new SettleWatcher(node.index.changes);
  const seriesIdOf = new Map<string, string>();
  const off = node.bus.on('series-stable', (e) => void seriesIdOf.set(e.seriesInstanceUid, e.seriesId));
  for (const study of studies) {
    await storeStudy(node.dicom.port, study);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  const until = Date.now() + SETTLE_BOUND_MS;
  while (studies.some((s) => !seriesIdOf.has(s.seriesInstanceUid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await Promise.all(
    studies.map((s) => (seriesIdOf.has(s.seriesInstanceUid) ? watcher.settled(seriesIdOf.get(s.seriesInstanceUid)!, SETTLE_BOUND_MS) : Promise.resolve())),
  );
  off();
}

/**
 * MODES=burst: radiographs with the head CTs and CTPAs spread among them (one every few), dealt
 * round-robin to 4 senders that each send their studies one after another, all at once.
 */
async function runBurst(node: VigilNode, token: string): Promise<{ results: (KindResult & { kindId: string })[]; sentInMs: number }> {
  const cts = kinds.filter((k) => k.id !== 'cxr').flatMap((k) => prepared.get(k.id)!.slice(0, BURST_CT));
  const order: PreparedStudy[] = [...burstCxr];
  const every = Math.max(1, Math.floor(order.length / Math.max(1, cts.length)));
  cts.forEach((study, i) => order.splice(Math.min(order.length, 4 + i * (every + 1)), 0, study));
  const watcher = new SettleWatcher(node.index.changes);
  const seriesIdOf = new Map<string, string>();
  const off = node.bus.on('series-stable', (e) => void seriesIdOf.set(e.seriesInstanceUid, e.seriesId));
  const lastResponseAt = new Map<PreparedStudy, number>();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: BURST_SENDERS }, async (_, sender) => {
      for (const study of order.filter((_, i) => i % BURST_SENDERS === sender)) lastResponseAt.set(study, await storeStudy(node.dicom.port, study));
    }),
  );
  const sentInMs = Date.now() - started;
  const until = Date.now() + SETTLE_BOUND_MS;
  while (order.some((s) => !seriesIdOf.has(s.seriesInstanceUid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  const outcomes = await Promise.all(
    order.map(async (s) =>
      seriesIdOf.has(s.seriesInstanceUid) ? watcher.settled(seriesIdOf.get(s.seriesInstanceUid)!, SETTLE_BOUND_MS) : ('timed-out' as const),
    ),
  );
  off();
  const api = new ApiReader(`http://127.0.0.1:${node.http.port}`, token);
  const results: (KindResult & { kindId: string })[] = [];
  for (const kind of kinds) {
    const mine = order.map((s, i) => ({ s, outcome: outcomes[i]! })).filter(({ s }) => s.kind.id === kind.id);
    if (mine.length === 0) continue;
    const timelines: Timeline[] = [];
    for (const { s, outcome } of mine)
      if (outcome === 'alerted') timelines.push(await api.timeline(seriesIdOf.get(s.seriesInstanceUid)!, lastResponseAt.get(s)!));
    results.push({
      kindId: kind.id,
      label: kind.label,
      shape: mine[0]!.s.shape,
      timelines,
      negatives: mine.filter((m) => m.outcome === 'negative').length,
      timedOut: mine.filter((m) => m.outcome === 'timed-out').length,
    });
  }
  return { results, sentInMs };
}

async function runKind(node: VigilNode, mode: Mode, studies: PreparedStudy[], token: string): Promise<KindResult> {
  const watcher = new SettleWatcher(node.index.changes);
  const seriesIdOf = new Map<string, string>();
  const off = node.bus.on('series-stable', (e) => void seriesIdOf.set(e.seriesInstanceUid, e.seriesId));
  const sent: { study: PreparedStudy; lastResponseAt: number; settled: Promise<{ seriesId: string | undefined; state: Settlement }> }[] = [];
  for (const study of studies) {
    if (mode === 'known' && study.kind.knownBy === 'MPPS') await completeStep(node.dicom.port, study);
    const lastResponseAt = await storeStudy(node.dicom.port, study);
    const settled = waitForSeries(study).then(async (seriesId) => ({
      seriesId,
      state: seriesId ? await watcher.settled(seriesId, SETTLE_BOUND_MS) : ('timed-out' as const),
    }));
    sent.push({ study, lastResponseAt, settled });
    if (mode !== 'idle') await settled;
    else await new Promise((r) => setTimeout(r, GAP_MS));
  }
  const outcomes = await Promise.all(sent.map((s) => s.settled));
  off();

  const api = new ApiReader(`http://127.0.0.1:${node.http.port}`, token);
  const timelines: Timeline[] = [];
  let negatives = 0;
  let timedOut = 0;
  for (const [i, { lastResponseAt }] of sent.entries()) {
    const { seriesId, state } = outcomes[i]!;
    if (state === 'negative') negatives++;
    else if (state === 'timed-out' || !seriesId) timedOut++;
    else timelines.push(await api.timeline(seriesId, lastResponseAt));
  }
  return { label: studies[0]!.kind.label, shape: studies[0]!.shape, timelines, negatives, timedOut };

  /** The series id the node gives the study, once it announces the series stable (undefined if it never does). */
  async function waitForSeries(study: PreparedStudy): Promise<string | undefined> {
    const until = Date.now() + SETTLE_BOUND_MS;
    while (!seriesIdOf.has(study.seriesInstanceUid) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return seriesIdOf.get(study.seriesInstanceUid);
  }
}
