/**
 * DICOMweb benchmark, Vigil against Orthanc 1.10 with its DICOMweb plugin (Debian `orthanc`,
 * `orthanc-dicomweb`), in one run on loopback ports:
 * - QIDO-RS study searches with STUDIES studies in the index (10,000 by default): by PatientID,
 *   by StudyInstanceUID, and the first page of all studies (limit 100); p50 / p95 of ROUNDS
 *   sequential requests each;
 * - WADO-RS retrieval of a series of SLICES 512² CT slices (200: about 105 MB) as multipart
 *   (MB/s, best of 3), and of its frames one request each, 4 at a time as a viewer asks them
 *   (frames/s and the p50 / p95 of one request): every frame request looks its instance up by UID.
 *
 * Both servers are loaded the same way, by C-STORE from storescu over one association
 * (TCP_NODELAY=1 on both sides): a small instance (8×8 pixels) per study, then the series.
 * Both with their shipped settings: Vigil's config/vigil.yaml (fsync on), Orthanc's defaults
 * (SyncStorageArea on), no authentication for Orthanc, an admin token for Vigil.
 *
 *   npm run bench -- dicomweb                      (STUDIES=10000 SLICES=200 ROUNDS=200 TARGETS="vigil orthanc")
 *   STUDIES=1000 ROUNDS=50 npx tsx test/bench/dicomweb.ts
 *
 * The generated files are kept in $TMPDIR/vigil-bench-dicomweb-<studies>-<slices> for the next run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/database.js';
import { findIds, type FindQuery } from '../../src/store/find.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { uidFor, writeSeries } from '../helpers/dicom-fixtures.js';
import { freePort, startNodeProcess } from '../helpers/node-process.js';
import { which } from '../helpers/tools.js';

const STUDIES = Number(process.env.STUDIES ?? 10_000);
const SLICES = Number(process.env.SLICES ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 200);
const TARGETS = (process.env.TARGETS ?? 'vigil orthanc').split(/\s+/).filter(Boolean);
const ORTHANC_DICOMWEB = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const FRAME_PARALLEL = 4;
/** Instance rows of the index-only lookup stage (LOOKUP_INSTANCES=0 skips it). */
const LOOKUP_INSTANCES = Number(process.env.LOOKUP_INSTANCES ?? 1_000_000);

for (const tool of ['storescu', 'echoscu', ...(TARGETS.includes('orthanc') ? ['Orthanc'] : [])]) {
  if (!which(tool)) {
    console.error(`missing ${tool}: apt-get install -y dcmtk orthanc orthanc-dicomweb`);
    process.exit(2);
  }
}
if (TARGETS.includes('orthanc') && !fs.existsSync(ORTHANC_DICOMWEB)) {
  console.error(`missing ${ORTHANC_DICOMWEB}: apt-get install -y orthanc-dicomweb`);
  process.exit(2);
}

if (LOOKUP_INSTANCES > 0) lookupStage();

const data = path.join(os.tmpdir(), `vigil-bench-dicomweb-${STUDIES}-${SLICES}`);
const studiesDir = path.join(data, 'studies');
const seriesDir = path.join(data, 'series');
prepare();
const series = { study: uidFor('bench-series/study'), series: uidFor('bench-series/series') };
const seriesBytes = fs.readdirSync(seriesDir).reduce((n, f) => n + fs.statSync(path.join(seriesDir, f)).size, 0);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dicomweb-run-'));
const started: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

interface Target {
  name: string;
  base: string;
  headers: Record<string, string>;
  dicomPort: number;
  aeTitle: string;
  stop(): Promise<void>;
}

const results: Record<string, Record<string, string>> = {};
for (const name of TARGETS) {
  const target = name === 'vigil' ? await startVigil() : await startOrthanc();
  try {
    const loadStudies = await push(target, studiesDir);
    const loadSeries = await push(target, seriesDir);
    console.log(`${name}: loaded ${STUDIES} studies in ${loadStudies.toFixed(1)} s, the ${SLICES}-slice series in ${loadSeries.toFixed(1)} s`);
    results[name] = await measure(target);
    console.log(`${name}: ${JSON.stringify(results[name])}`);
  } finally {
    await target.stop();
  }
}

console.log(
  `\n${STUDIES} studies; a series of ${SLICES} slices, ${(seriesBytes / 1e6).toFixed(0)} MB; ${ROUNDS} requests per search; load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
const rows = Object.keys(Object.values(results)[0] ?? {});
console.log(`| | ${TARGETS.join(' | ')} |`);
console.log(`|---|${TARGETS.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row} | ${TARGETS.map((t) => results[t]![row]).join(' | ')} |`);

/**
 * The lookups WADO-RS and QIDO-RS make, on the index alone at LOOKUP_INSTANCES instance rows (100
 * per series, one series per study, loaded by SQL): an instance by its three UIDs (every frame
 * request of a viewer) and a study by PatientID; p50 / p95 of ROUNDS each, in this process.
 */
function lookupStage(): void {
  const db = openDatabase(':memory:');
  migrate(db, [storeMigrations]);
  const studies = Math.max(1, Math.floor(LOOKUP_INSTANCES / 100));
  const n = (count: number) => `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})`;
  const t0 = performance.now();
  db.transaction(() => {
    db.exec(
      `${n(studies)} INSERT INTO patients (id, patient_id, main_tags, created_at, updated_at) SELECT 'pa' || i, 'P' || i, json_object('PatientID', 'P' || i), 0, 0 FROM n`,
    );
    db.exec(`${n(studies)} INSERT INTO studies (id, patient_ref, study_instance_uid, main_tags, created_at, updated_at)
      SELECT 'st' || i, 'pa' || i, '2.25.1.' || i, json_object('StudyInstanceUID', '2.25.1.' || i), 0, 0 FROM n`);
    db.exec(`${n(studies)} INSERT INTO series (id, study_ref, series_instance_uid, main_tags, created_at, updated_at)
      SELECT 'se' || i, 'st' || i, '2.25.2.' || i, json_object('SeriesInstanceUID', '2.25.2.' || i), 0, 0 FROM n`);
    db.exec(`${n(studies * 100)} INSERT INTO instances (id, series_ref, sop_instance_uid, sop_class_uid, instance_number, transfer_syntax_uid, file_path, file_size, received_at, main_tags)
      SELECT 'in' || i, 'se' || (i / 100), '2.25.3.' || i, '1.2.840.10008.5.1.4.1.1.2', i % 100, '1.2.840.10008.1.2.1', 'f' || i, 1, 0, json_object('SOPInstanceUID', '2.25.3.' || i) FROM n`);
  })();
  const loaded = (performance.now() - t0) / 1000;
  const exact = (pattern: string) => ({ kind: 'wildcard', pattern, caseSensitive: true }) as const;
  const pick = () => Math.floor(Math.random() * studies * 100);
  const instance = (): FindQuery => {
    const i = pick();
    const st = Math.floor(i / 100);
    return {
      level: 'instances',
      criteria: [
        { level: 'studies', keyword: 'StudyInstanceUID', match: exact(`2.25.1.${st}`) },
        { level: 'series', keyword: 'SeriesInstanceUID', match: exact(`2.25.2.${st}`) },
        { level: 'instances', keyword: 'SOPInstanceUID', match: exact(`2.25.3.${i}`) },
      ],
      since: 0,
      limit: 1,
    };
  };
  const patient = (): FindQuery => ({
    level: 'studies',
    criteria: [{ level: 'patients', keyword: 'PatientID', match: exact(`P${Math.floor(pick() / 100)}`) }],
    since: 0,
    limit: 100,
  });
  const time = (make: () => FindQuery) => {
    const rounds = Math.min(ROUNDS, 50);
    const ms: number[] = [];
    for (let r = 0; r < rounds + 3; r++) {
      const query = make();
      const t = performance.now();
      if (findIds(db, query).length !== 1) throw new Error('the lookup did not find its one row');
      if (r >= 3) ms.push(performance.now() - t);
    }
    return fmt(quantiles(ms));
  };
  console.log(
    `index lookups at ${studies * 100} instances (${studies} studies; loaded in ${loaded.toFixed(1)} s): an instance by its 3 UIDs ${time(instance)}, studies by PatientID ${time(patient)} (p50 / p95)`,
  );
  db.close();
}

/** The data set, written once: one 8×8 instance per study (patients P0…), and the series. */
function prepare(): void {
  if (fs.existsSync(path.join(data, 'done'))) return;
  fs.rmSync(data, { recursive: true, force: true });
  console.log(`writing ${STUDIES} small studies and a ${SLICES}-slice series to ${data}...`);
  for (let i = 0; i < STUDIES; i++) {
    const files = writeSeries(path.join(data, 'tmp'), {
      seed: `bench-study-${i}`,
      slices: 1,
      rows: 8,
      columns: 8,
      patientId: `P${i}`,
      patientName: `BENCH^${i}`,
      studyDate: '20260115',
    });
    fs.mkdirSync(studiesDir, { recursive: true });
    fs.renameSync(files[0]!, path.join(studiesDir, `s${i}.dcm`));
  }
  fs.rmSync(path.join(data, 'tmp'), { recursive: true, force: true });
  writeSeries(seriesDir, { seed: 'bench-series', slices: SLICES, rows: 512, columns: 512, patientId: 'PSERIES' });
  fs.writeFileSync(path.join(data, 'done'), '');
}

async function startVigil(): Promise<Target> {
  const token = crypto.randomBytes(32).toString('hex');
  const node = await startNodeProcess(path.join(work, 'vigil'), { VIGIL_LOG_LEVEL: 'warn', VIGIL_ADMIN_TOKEN: token });
  started.push(node.child);
  return {
    name: 'vigil',
    base: `http://127.0.0.1:${node.httpPort}/dicom-web`,
    headers: { Authorization: `Bearer ${token}` },
    dicomPort: node.dicomPort,
    aeTitle: 'VIGIL',
    async stop() {
      node.child.kill('SIGTERM');
      await node.exited;
    },
  };
}

async function startOrthanc(): Promise<Target> {
  const dir = path.join(work, 'orthanc');
  fs.mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const dicomPort = await freePort();
  const httpPort = await freePort();
  fs.writeFileSync(
    path.join(dir, 'orthanc.json'),
    JSON.stringify({
      Name: 'bench',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'storage'),
      Plugins: [ORTHANC_DICOMWEB],
      DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
      HttpPort: httpPort,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      DicomAet: 'ORTHANC',
      DicomPort: dicomPort,
      DicomCheckCalledAet: false,
      DicomAlwaysAllowStore: true,
    }),
  );
  const child = spawn('Orthanc', [path.join(dir, 'orthanc.json')], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' });
  started.push(child);
  await waitForEcho(dicomPort, 'ORTHANC');
  return {
    name: 'orthanc',
    base: `http://127.0.0.1:${httpPort}/dicom-web`,
    headers: {},
    dicomPort,
    aeTitle: 'ORTHANC',
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** storescu over one association, every file of a folder; seconds. */
async function push(target: Target, dir: string): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const scu = spawn('storescu', ['-aec', target.aeTitle, '+sd', '127.0.0.1', String(target.dicomPort), dir], {
      env: { ...process.env, TCP_NODELAY: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    scu.stderr.on('data', (d: Buffer) => (err += d.toString()));
    scu.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`storescu to ${target.name} exited ${code}: ${err.slice(-500)}`))));
  });
  return (performance.now() - t0) / 1000;
}

async function measure(target: Target): Promise<Record<string, string>> {
  const get = async (url: string, accept: string): Promise<number> => {
    const res = await fetch(`${target.base}${url}`, { headers: { ...target.headers, Accept: accept } });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new Error(`${target.name} ${url}: ${res.status} ${body.toString('utf8', 0, 300)}`);
    return body.length;
  };
  const json = 'application/dicom+json';
  const pick = () => Math.floor(Math.random() * STUDIES);
  // The answers are checked once: each search finds its one study.
  const one = JSON.parse(await (await fetch(`${target.base}/studies?PatientID=P7`, { headers: { ...target.headers, Accept: json } })).text()) as unknown[];
  if (one.length !== 1) throw new Error(`${target.name}: PatientID=P7 found ${one.length} studies`);
  const out: Record<string, string> = {};
  out['QIDO /studies?PatientID=… p50 / p95'] = fmt(await timed(ROUNDS, () => get(`/studies?PatientID=P${pick()}`, json)));
  out['QIDO /studies?StudyInstanceUID=… p50 / p95'] = fmt(
    await timed(ROUNDS, () => get(`/studies?StudyInstanceUID=${uidFor(`bench-study-${pick()}/study`)}`, json)),
  );
  out['QIDO /studies?limit=100 p50 / p95'] = fmt(await timed(Math.min(ROUNDS, 50), () => get('/studies?limit=100', json)));

  const seriesUrl = `/studies/${series.study}/series/${series.series}`;
  let best = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const bytes = await get(seriesUrl, 'multipart/related; type="application/dicom"');
    best = Math.max(best, bytes / 1e6 / ((performance.now() - t0) / 1000));
  }
  out[`WADO series (${SLICES} × 512²) MB/s`] = best.toFixed(0);

  const instances = JSON.parse(
    await (await fetch(`${target.base}${seriesUrl}/instances?limit=${SLICES}`, { headers: { ...target.headers, Accept: json } })).text(),
  ) as Record<string, { Value: string[] }>[];
  const sops = instances.map((i) => i['00080018']!.Value[0]!);
  if (sops.length !== SLICES) throw new Error(`${target.name}: ${sops.length} instances in the series`);
  const frameMs: number[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: FRAME_PARALLEL }, async () => {
      while (next < sops.length) {
        const sop = sops[next++]!;
        const t = performance.now();
        await get(`${seriesUrl}/instances/${sop}/frames/1`, 'multipart/related; type="application/octet-stream"; transfer-syntax=*');
        frameMs.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  out[`WADO frames, ${FRAME_PARALLEL} at a time: frames/s`] = (SLICES / seconds).toFixed(0);
  out['WADO one frame p50 / p95'] = fmt(quantiles(frameMs));
  return out;
}

async function timed(rounds: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 5; i++) await fn(); // warm-up: JIT, statement caches, the page cache
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return quantiles(ms);
}

function quantiles(ms: number[]): { p50: number; p95: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, p95: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]! };
}

function fmt(q: { p50: number; p95: number }): string {
  return `${q.p50.toFixed(1)} / ${q.p95.toFixed(1)} ms`;
}

async function waitForEcho(port: number, calledAe: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      execFileSync('echoscu', ['-aec', calledAe, '127.0.0.1', String(port)], { stdio: 'ignore' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`no C-ECHO answer on port ${port}`);
}
// Done: the exit handler stops what is left and removes the servers' data folders.
process.exit(0);
