import { readableFhir, FhirSink, type ReceivedFhir } from './fhir-sink.js';
import { Hl7Sink, readableHl7, type ReceivedHl7 } from './hl7-sink.js';
import { PacsSink, type ReceivedObject } from './pacs-sink.js';
import type { Hl7Message } from '../../hl7/message.js';

/** The demo's stand-in RIS (HL7 v2 over MLLP), EHR (FHIR R4) and PACS (DICOM), started and stopped together. */
export interface DemoSinks {
  hl7: Hl7Sink;
  fhir: FhirSink;
  pacs: PacsSink;
  host: string;
  stop(): Promise<void>;
}

/**
 * Starts the sinks on `host` (loopback; the OS picks the ports unless given). `print` gets
 * each receipt as readable lines without patient identifiers; leave it out to stay quiet.
 */
export async function startDemoSinks(
  opts: { host?: string; hl7Port?: number; fhirPort?: number; pacsPort?: number; print?: (lines: string[]) => void } = {},
): Promise<DemoSinks> {
  const host = opts.host ?? '127.0.0.1';
  const print = opts.print;
  const hl7 = new Hl7Sink({ host, port: opts.hl7Port, onMessage: print ? (r, msg) => print(describeHl7(r, msg)) : undefined });
  const fhir = new FhirSink({ host, port: opts.fhirPort, onReceived: print ? (r) => print(describeFhir(r)) : undefined });
  const pacs = new PacsSink({ host, port: opts.pacsPort, onReceived: print ? (r) => print(describePacs(r)) : undefined });
  const started: { stop(): Promise<void> }[] = [];
  try {
    for (const sink of [hl7, fhir, pacs]) {
      await sink.start();
      started.push(sink);
    }
  } catch (err) {
    await Promise.all(started.map((sink) => sink.stop()));
    throw err;
  }
  return {
    hl7,
    fhir,
    pacs,
    host,
    async stop() {
      await Promise.all([hl7.stop(), fhir.stop(), pacs.stop()]);
    },
  };
}

function describeHl7(r: ReceivedHl7, msg: Hl7Message): string[] {
  const head = `  RIS (HL7 v2 over MLLP) took ${r.type} ${r.controlId}${r.resend ? ' again (a resend: same control id)' : ''}, answered AA`;
  return [head, ...readableHl7(msg).map((l) => `      ${l}`)];
}

function describeFhir(r: ReceivedFhir): string[] {
  const what = r.body.resourceType === 'Bundle' ? `a ${String(r.body.type)} of ${r.outcomes.length}` : r.body.resourceType;
  return [`  EHR (FHIR R4) took ${what}`, ...readableFhir(r).map((l) => `      ${l}`)];
}

/** The series description says what the object is; no patient data is printed. */
function describePacs(r: ReceivedObject): string[] {
  return [`  PACS (DICOM C-STORE) took a ${r.kind}: "${r.seriesDescription}"`];
}
