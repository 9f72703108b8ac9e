/**
 * One entry point for the benchmarks. Each runs as its own process, exactly as when started by
 * hand (same file, same environment: every knob a benchmark reads from the environment still
 * applies), one after the other so they never share the machine; their figures print as they go.
 *
 *   npx tsx test/bench/run.ts time-to-alert            (or: npm run bench -- time-to-alert)
 *   npx tsx test/bench/run.ts ingest time-to-alert     several, in that order
 *   npx tsx test/bench/run.ts all                      every one below
 *   npx tsx test/bench/run.ts                          lists them
 *
 * Exit status: 0 when every benchmark run exited 0, else 1 (each one's status is printed).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');

/** name → what it measures; the file is test/bench/<name>.ts. */
const BENCHMARKS = {
  'time-to-alert': 'last C-STORE response → HL7 ACK and FHIR response, by stage (model packs from models/ or VIGIL_BENCH_MODELS)',
  ingest:
    'C-STORE ingest with storescu, Vigil against Orthanc and DCMTK storescp (needs dcmtk and orthanc; TARGETS="vigil vigil-pg orthanc orthanc-pg storescp" adds both on PostgreSQL: postgresql, orthanc-postgresql)',
  'index-round-trip': "one statement on the node's index, SQLite against PostgreSQL on loopback: wall, node and server CPU (needs postgresql)",
  'series-stable': 'last C-STORE response → series-stable, by count tags, MPPS and the idle window',
  triage: 'one job, enqueue → finding, by stage, with the benchmark packs',
  alerts: 'finding stored → each destination acknowledging',
  'air-seg': 'building and encoding the AI Results Segmentation of a 40 × 512² CT (source geometry read, map resampled per slice)',
  api: 'what authentication and the audit trail cost per request',
  'auth-flood': 'a C-STORE push alone and under a flood of wrong tokens',
  dicomweb: 'QIDO-RS searches at 10k studies and WADO-RS of a 200-slice series, Vigil against Orthanc (needs dcmtk, orthanc, orthanc-dicomweb)',
  worklist: 'a worklist page, STAT only, one entry and recording a finding at 1k to 1M studies',
  'receive-profile': "the receiving thread's CPU profile during a push over four associations (needs dcmtk)",
  hl7: 'HL7 v2 messages: our src/hl7 against @medplum/core Hl7Message (python3-hl7 agreement, messages/s, size, behaviours)',
  'full-disk': 'CPU and log lines while the disk is full, then SIGTERM (needs root for a tmpfs, and dcmtk)',
  'folder-fsync': "what the folder's fsync after each rename into the store costs, against the file's fsync alone",
} as const;
type Name = keyof typeof BENCHMARKS;

const asked = process.argv.slice(2);
if (asked.length === 0) {
  console.log('usage: npx tsx test/bench/run.ts <name...> | all\n');
  for (const [name, what] of Object.entries(BENCHMARKS)) console.log(`  ${name.padEnd(14)} ${what}`);
  process.exit(0);
}
const names = asked.includes('all') ? (Object.keys(BENCHMARKS) as Name[]) : asked;
const unknown = names.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (known: ${Object.keys(BENCHMARKS).join(', ')}, all)`);
  process.exit(2);
}

// Ctrl-C reaches the running benchmark through the terminal: let it clean up after itself.
process.on('SIGINT', () => undefined);
const outcomes: string[] = [];
for (const name of names) {
  console.log(
    `\n## ${name} (${new Date().toISOString()}, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})\n`,
  );
  const code = await runOne(path.join(HERE, `${name}.ts`));
  outcomes.push(`${name}: ${code === 0 ? 'ok' : `exit status ${code}`}`);
}
console.log(`\n${outcomes.join('\n')}`);
process.exit(outcomes.every((o) => o.endsWith(': ok')) ? 0 : 1);

/** The benchmark in its own Node process under tsx, from the repository root, output inherited. */
function runOne(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
}
