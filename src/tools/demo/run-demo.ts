import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sendFiles, type DicomPeer } from '../../dicom/net/store-scu.js';
import { VigilError } from '../../core/errors.js';
import { buildDemoSet, DEMO_MODEL_IDS, writeDemoSet, type DemoStudy } from './demo-set.js';
import { startDemoSinks } from './demo-sinks.js';
import { demoDestinations, disableDestinations, registerDestinations } from './destinations.js';
import { MppsScu } from './mpps-scu.js';
import { NodeApi } from './node-api.js';
import { ProgressView, stagesOf, type Output } from './progress-view.js';
import { StudyTracker } from './study-tracker.js';
import { showWorklist } from './worklist-view.js';

export interface DemoOptions {
  /** The node's HTTP API, e.g. http://127.0.0.1:8042. */
  httpUrl: string;
  dicom: { host: string; port: number };
  calledAe: string;
  callingAe: string;
  /** An admin token (the demo registers destinations and reads findings and the worklist). */
  token: string;
  timeoutMs: number;
  pollMs?: number;
  out: Output;
}

export interface DemoResult {
  ok: boolean;
  /** Why not ok, for the exit message. */
  failures: string[];
}

interface ModelView {
  id: string;
  status: string;
  enabled: boolean;
  reason: unknown;
}

/**
 * `vigil demo`: what a hospital sees, against a running node. Starts a stand-in RIS, EHR and PACS,
 * registers them as alert destinations, sends new phantom studies over C-STORE as a scanner
 * would, follows each through completion, routing, inference and alerting, and ends with the
 * worklist. No patient data is printed: studies go by their label, sink output is masked.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const say = (line = ''): void => opts.out.write(`${line}\n`);
  const api = new NodeApi(opts.httpUrl, opts.token);
  const models = await api.get<ModelView[]>('/models');
  const missing = DEMO_MODEL_IDS.filter((id) => !models.some((m) => m.id === id && m.status === 'available' && m.enabled));
  for (const id of missing) {
    const m = models.find((x) => x.id === id);
    const why = !m ? "no pack in the node's models folder" : !m.enabled ? 'disabled' : `${m.status}: ${JSON.stringify(m.reason)}`;
    say(`! model ${id} is not available (${why}): its studies are left out of this run`);
  }

  const view = new ProgressView(opts.out);
  const sinks = await startDemoSinks({ print: (lines) => view.message(lines) });
  const destinations = demoDestinations(sinks);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-demo-'));
  let registered = false;
  try {
    await registerDestinations(api, destinations);
    registered = true;
    say(
      `Stand-in RIS (HL7 v2 over MLLP) on ${sinks.host}:${sinks.hl7.port}, EHR (FHIR R4) at ${sinks.fhir.baseUrl}, ` +
        `PACS (DICOM, AE ${sinks.pacs.aeTitle}) on ${sinks.host}:${sinks.pacs.port}: registered as alert destinations ${destinations.map((d) => d.id).join(', ')}`,
    );
    say('Generating the studies (synthetic phantoms; new UIDs for this run)...');
    const studies = await buildDemoSet({ skipModels: missing, uidSalt: crypto.randomUUID(), onStudy: (s) => say(`  ${s.label}: ${s.files.length} image(s)`) });
    const files = writeDemoSet(studies, work);
    const tracker = new StudyTracker(
      api,
      studies,
      sinks,
      destinations.map((d) => d.id),
    );
    say(`Sending to ${opts.calledAe} at ${opts.dicom.host}:${opts.dicom.port} as ${opts.callingAe}, then following each study:`);
    const failures = await follow(opts, tracker, view, studies, files);
    view.finish();
    if (failures.length === 0) say('Every study reached its end state.');
    failures.push(...(await showWorklist(api, studies, say)));
    return {
      ok: failures.length === 0 && missing.length === 0,
      failures: [...failures, ...missing.map((id) => `model ${id} not available: its studies were not run`)],
    };
  } finally {
    // Also after a failure: later alerts must not queue for sinks that are about to go.
    if (registered)
      await disableDestinations(api, destinations).catch((err: unknown) => say(`! could not switch the demo destinations off: ${(err as Error).message}`));
    await sinks.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Sends study after study while a poll loop follows them all; resolves with what went wrong. */
async function follow(opts: DemoOptions, tracker: StudyTracker, view: ProgressView, studies: DemoStudy[], files: Map<string, string[]>): Promise<string[]> {
  const pollMs = opts.pollMs ?? 500;
  const deadline = Date.now() + opts.timeoutMs;
  const peer: DicomPeer = { host: opts.dicom.host, port: opts.dicom.port, aeTitle: opts.calledAe };
  const mpps = new MppsScu(peer, opts.callingAe);
  let sending = true;
  let aborted = false;
  let pollError: Error | undefined;
  const refresh = (): void => view.update(tracker.states, (s) => tracker.outcome(s));
  // Caught at once (and rethrown below): a rejection left pending while studies are sent would crash the process.
  const polling = (async () => {
    while (!aborted && (sending || !tracker.allSettled()) && Date.now() <= deadline) {
      await tracker.poll();
      refresh();
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })().catch((err: unknown) => {
    pollError = err instanceof Error ? err : new Error(String(err));
  });
  try {
    for (const study of studies) {
      if (pollError) break;
      // A modality that reports MPPS opens the step before it sends and completes it after.
      const step = study.mpps;
      const stepUid = step ? await mpps.begin(step, new Date()) : undefined;
      const report = await sendFiles(peer, files.get(study.key)!, { callingAeTitle: opts.callingAe });
      if (step && stepUid) await mpps.complete(stepUid, step, new Date());
      tracker.sent(study.key, report.sent, report.failed);
      refresh();
    }
  } catch (err) {
    aborted = true;
    if (err instanceof VigilError && err.code === 'DICOM_PEER_UNAVAILABLE') {
      throw new VigilError('DEMO_NODE_UNREACHABLE', `no DICOM node took the association (${err.message}): check --dicom and --called-ae`, { cause: err });
    }
    throw err;
  } finally {
    sending = false;
    await polling;
  }
  if (pollError) throw pollError;
  refresh();
  const failures = tracker.states.filter((s) => s.problem).map((s) => `${s.study.label}: ${s.problem}`);
  const pending = tracker.states.filter((s) => tracker.outcome(s) === 'pending');
  if (pending.length > 0) {
    const where = pending.map((s) => `${s.study.label} (at: ${stagesOf(s).at(-1)})`).join('; ');
    failures.push(`timed out after ${Math.round(opts.timeoutMs / 1000)} s: ${where}`);
  }
  return failures;
}
