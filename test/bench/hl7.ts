/**
 * HL7 v2 benchmark: our src/hl7 against @medplum/core's Hl7Message (4.1.6, the last line on
 * Node 20) on our own messages: the ORU^R01, OMI^O23 and ORM^O01 the HL7 channel builds (from
 * alerts on a real index, patients with delimiters, repetitions, components and non-ASCII names),
 * the ACKs of the order listener, and inbound orders as a RIS sends them. It prints, ours beside
 * theirs:
 *   1. what Debian's python3-hl7 reads in each library's output, field by field, against the
 *      values the message was built from;
 *   2. speed: build + serialise + parse + read four values, messages/s, and each stage alone;
 *   3. size: our lines against the dependency's install size and what it pulls in;
 *   4. the behaviours that differ (escapes, segment terminators, MSH-1/MSH-2, empty trailing fields).
 *
 *   npx tsx test/bench/hl7.ts              (ROUNDS=3000: each message built/written/parsed that often)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hl7Context, Hl7Field, Hl7Message as MpMessage, Hl7Segment as MpSegment } from '@medplum/core';
import { loadContext } from '../../src/alerts/context.js';
import { buildOrderUpdate } from '../../src/alerts/channels/hl7/order-update.js';
import { buildOru } from '../../src/alerts/channels/hl7/oru.js';
import { hl7Destination } from '../../src/config/sections/alerts.js';
import { buildAck } from '../../src/hl7/ack.js';
import { hl7DateTime } from '../../src/hl7/datetime.js';
import { Hl7Message, mshSegment, segment, type Field, type FieldInput } from '../../src/hl7/message.js';
import { parseMessage } from '../../src/hl7/parse.js';
import { alertsHarness } from '../helpers/alerts-harness.js';
import { makeFinding, seedStudy, type StudyPatient } from '../helpers/findings.js';
import { hasPythonHl7, parseWithPythonHl7, valuesOf, type Hl7Values } from '../helpers/python-hl7.js';
import { orderMessage } from '../worklist/orders/order-fixtures.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3000);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---- Our own messages -------------------------------------------------------------------------

const PATIENTS: Record<string, StudyPatient> = {
  plain: { patientName: 'DOE^JANE', patientId: 'P-1', accessionNumber: 'ACC-1' },
  delimiters: { patientName: 'O|BRIEN~X&Y\\Z^JOHN^^DR^JR', patientId: 'P^1|2', accessionNumber: 'ACC&7' },
  'non-ASCII': { patientName: 'Müller-Çelik^Zoë^李', patientId: 'P-ü', accessionNumber: 'ACC-é' },
};

// A destination routes the alerts; the part is never started, so nothing is sent anywhere.
const destInput = {
  id: 'ris',
  type: 'hl7v2',
  host: '127.0.0.1',
  port: 2575,
  receivingApplication: 'RIS',
  receivingFacility: 'HOSP',
  sendingFacility: 'RAD',
} as const;
const h = alertsHarness({ destinations: [destInput] });
const dest = hl7Destination.parse(destInput);
const AT = Date.UTC(2026, 11, 7, 6, 0, 0);
const built: { name: string; msg: Hl7Message }[] = [];
for (const [label, patient] of Object.entries(PATIENTS)) {
  const r = h.part.outbox.enqueueForFinding(makeFinding(seedStudy(h.index, label, patient), { createdAt: AT }));
  if (r.outcome !== 'created') throw new Error(`no alert for ${label}`);
  const context = loadContext(h.index, r.alert);
  const common = { dest, alert: r.alert, context, at: AT };
  built.push({ name: `ORU^R01 (${label})`, msg: buildOru({ ...common, kind: 'alert', controlId: `${label}-1`, escalationLevel: null }) });
  built.push({ name: `OMI^O23 (${label})`, msg: buildOrderUpdate({ ...common, type: 'OMI^O23', controlId: `${label}-2` }) });
  if (label === 'plain') built.push({ name: 'ORM^O01 (plain)', msg: buildOrderUpdate({ ...common, type: 'ORM^O01', controlId: `${label}-3` }) });
}
await h.dispose();

// Inbound orders as a RIS writes them, and the ACKs the order listener answers with.
const inbound = [
  { name: 'inbound ORM^O01', text: orderMessage({ accession: 'ACC-9', priority: 'S', patientName: "O'BRIEN^MARY" }) },
  { name: 'inbound OMI^O23 (delimiters)', text: orderMessage({ type: 'OMI^O23', accession: 'A&B|9', priority: 'A', patientName: 'O|BRIEN~X^MARY' }) },
];
for (const o of inbound) built.push({ name: o.name, msg: parseMessage(o.text) });
built.push({ name: 'ACK AA (order listener)', msg: buildAck(parseMessage(inbound[0]!.text), { code: 'AA', controlId: 'ACK-1', at: AT }) });
built.push({
  name: 'ACK AR (order listener)',
  msg: buildAck(parseMessage(inbound[1]!.text), {
    code: 'AR',
    controlId: 'ACK-2',
    text: 'order 1: ORC-1 "Q|X" is not an order control',
    errorCode: '103',
    at: AT,
  }),
});

// ---- The same messages with @medplum/core ------------------------------------------------------

/**
 * Builds the medplum message from the same values, the way its API takes them: a field is
 * repetitions of components; it has no subcomponent level, so subcomponents are joined with '&'.
 * It escapes nothing (there is no escaping in its Hl7Message), so the values go in as they are.
 */
function medplumOf(msg: Hl7Message): MpMessage {
  const ctx = new Hl7Context();
  return new MpMessage(
    msg.segments.map((seg) => {
      // medplum holds MSH-2 as the first field after the name (MSH-1 is the separator it joins with).
      const fields = seg.name === 'MSH' ? seg.fields.slice(2) : seg.fields.slice(1);
      return new MpSegment(
        [
          new Hl7Field([[seg.name]], ctx),
          ...fields.map((f) => new Hl7Field(f.length === 0 ? [['']] : f.map((rep) => rep.map((comp) => comp.join(ctx.subcomponentSeparator))), ctx)),
        ],
        ctx,
      );
    }),
    ctx,
  );
}

/** Our builder's input for a message (what buildOru and friends hand to segment()). */
function recipeOf(msg: Hl7Message): { name: string; fields: Record<number, FieldInput> }[] {
  return msg.segments.map((seg) => {
    const fields: Record<number, FieldInput> = {};
    seg.fields.forEach((f, n) => {
      if (n === 0 || (seg.name === 'MSH' && n <= 2) || f.length === 0) return;
      fields[n] = { repeat: f.map((rep) => rep.map((comp) => [...comp])) };
    });
    return { name: seg.name, fields };
  });
}

/** medplum's parsed message in the same flat view as valuesOf (subcomponents split, nothing unescaped: it does not unescape). */
function medplumValues(msg: MpMessage): Hl7Values {
  const segments: { name: string; fields: Field[] }[] = msg.segments
    .filter((s) => s.name !== '')
    .map((s) => {
      const fields: Field[] = [[]];
      const count = s.name === 'MSH' ? s.fields.length + 1 : s.fields.length;
      for (let n = 1; n < count; n++) {
        const f = s.getField(n);
        // MSH-1 and MSH-2 are the delimiters themselves, held whole (as valuesOf and python3-hl7 hold them).
        if (s.name === 'MSH' && n <= 2) fields.push([[[f.toString()]]]);
        else fields.push(f ? f.components.map((rep) => rep.map((comp) => comp.split(msg.context.subcomponentSeparator))) : []);
      }
      return { name: s.name, fields };
    });
  return valuesOf(new Hl7Message(segments));
}

function differences(expected: Hl7Values, actual: Hl7Values): string[] {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys].filter((k) => expected[k] !== actual[k]).sort();
}

// ---- 1. What python3-hl7 reads -----------------------------------------------------------------

console.log(`# HL7 v2: src/hl7 against @medplum/core ${medplumVersion()} Hl7Message, ${built.length} messages\n`);
console.log("## 1. python3-hl7 reading each library's output, against the values the message was built from\n");
if (!hasPythonHl7()) {
  console.log('python3-hl7 missing (apt-get install -y python3-hl7): skipped\n');
} else {
  const oursText = built.map((b) => b.msg.toString());
  const theirsText = built.map((b) => medplumOf(b.msg).toString());
  const [oursRead, theirsRead] = [parseWithPythonHl7(oursText), parseWithPythonHl7(theirsText)];
  console.log(`${'message'.padEnd(32)} ${'values'.padStart(6)}  ${'ours: wrong'.padStart(12)}  ${'medplum: wrong'.padStart(15)}  fields medplum got wrong`);
  built.forEach((b, i) => {
    const intended = valuesOf(b.msg);
    const oursWrong = differences(intended, oursRead[i]!);
    const theirsWrong = differences(intended, theirsRead[i]!);
    const where = [...new Set(theirsWrong.map((k) => k.replace(/^(\w+)#\d+\.(\d+)\..*$/, '$1-$2')))].join(' ');
    console.log(
      `${b.name.padEnd(32)} ${String(Object.keys(intended).length).padStart(6)}  ${String(oursWrong.length).padStart(12)}  ${String(theirsWrong.length).padStart(15)}  ${where || '-'}`,
    );
  });
  // The other direction: each library reading what a RIS sends, against python3-hl7's reading.
  const inboundRead = parseWithPythonHl7(inbound.map((o) => o.text));
  console.log('\nreading inbound orders, against python3-hl7 (values that differ):');
  inbound.forEach((o, i) => {
    const ours = differences(inboundRead[i]!, valuesOf(parseMessage(o.text))).length;
    const theirs = differences(inboundRead[i]!, medplumValues(MpMessage.parse(o.text))).length;
    console.log(`  ${o.name.padEnd(30)} ours ${ours}, medplum ${theirs}`);
  });
  console.log();
}

// ---- 2. Speed ----------------------------------------------------------------------------------

interface Stages {
  build: () => unknown;
  write: (m: unknown) => string;
  parse: (t: string) => unknown;
  read: (m: unknown) => unknown;
}

const recipes = built.map((b) => recipeOf(b.msg));
const ours: Stages = {
  build: () => recipes.map((r) => new Hl7Message(r.map((s) => (s.name === 'MSH' ? mshSegment(s.fields) : segment(s.name, s.fields))))),
  write: (m) => (m as Hl7Message[]).map((x) => x.toString()).join('\n\n'),
  parse: (t) => t.split('\n\n').map(parseMessage),
  read: (m) => (m as Hl7Message[]).map((x) => [x.controlId, x.type, x.get('PID', 5, 1), x.get('PID', 3, 4)]),
};
const medplum: Stages = {
  build: () => built.map((b) => medplumOf(b.msg)),
  write: (m) => (m as MpMessage[]).map((x) => x.toString()).join('\n\n'),
  parse: (t) => t.split('\n\n').map((x) => MpMessage.parse(x)),
  read: (m) =>
    (m as MpMessage[]).map((x) => {
      const msh = x.getSegment('MSH');
      const pid = x.getSegment('PID');
      return [msh?.getField(10)?.toString(), msh?.getComponent(9, 1), pid?.getComponent(5, 1), pid?.getComponent(3, 4)];
    }),
};

/** Messages/s for each stage alone and for the whole round, over ROUNDS rounds of every message. */
function measure(s: Stages): Record<'build' | 'write' | 'parse' | 'all', number> {
  const spent = { build: 0, write: 0, parse: 0, read: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    const m = s.build();
    spent.build += performance.now() - t;
    t = performance.now();
    const text = s.write(m);
    spent.write += performance.now() - t;
    t = performance.now();
    const back = s.parse(text);
    spent.parse += performance.now() - t;
    t = performance.now();
    s.read(back);
    spent.read += performance.now() - t;
  }
  const n = ROUNDS * built.length;
  const rate = (ms: number): number => Math.round((n / ms) * 1000);
  return {
    build: rate(spent.build),
    write: rate(spent.write),
    parse: rate(spent.parse + spent.read),
    all: rate(spent.build + spent.write + spent.parse + spent.read),
  };
}

console.log(`## 2. Speed: ${ROUNDS} rounds of the ${built.length} messages (messages/s, higher is better)\n`);
measure(ours); // warm both up before measuring either
measure(medplum);
const [o, m] = [measure(ours), measure(medplum)];
console.log(`${'stage'.padEnd(34)} ${'ours'.padStart(10)} ${'medplum'.padStart(10)}`);
for (const [k, label] of [
  ['build', 'build from values'],
  ['write', 'serialise (toString)'],
  ['parse', 'parse + read 4 values'],
  ['all', 'build + serialise + parse + read'],
] as const) {
  console.log(`${label.padEnd(34)} ${String(o[k]).padStart(10)} ${String(m[k]).padStart(10)}`);
}
console.log('(medplum does less work per message: it neither escapes nor unescapes, nor checks delimiters or segment names)\n');

// ---- 3. Size -----------------------------------------------------------------------------------

console.log('## 3. Size\n');
const ourFiles = ['message.ts', 'parse.ts', 'encoding.ts', 'ack.ts', 'datetime.ts'].map((f) => path.join(ROOT, 'src', 'hl7', f));
const lines = ourFiles.map((f) => fs.readFileSync(f, 'utf8').split('\n').length);
console.log(
  `ours: src/hl7/{message,parse,encoding,ack,datetime}.ts, ${lines.reduce((a, b) => a + b, 0)} lines (${lines.join(' + ')}), comments included; no dependency`,
);
const mpDir = path.join(ROOT, 'node_modules', '@medplum', 'core');
const mpPkg = JSON.parse(fs.readFileSync(path.join(mpDir, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const bundle = path.join(mpDir, 'dist', 'esm', 'index.mjs');
console.log(
  `@medplum/core: ${(dirBytes(mpDir) / 1e6).toFixed(1)} MB installed, the ESM bundle ${(fs.statSync(bundle).size / 1e3).toFixed(0)} kB loaded whole ` +
    `(FHIR client, FHIRPath, validation...; its HL7 part is one ~400-line file), dependencies: ${Object.keys(mpPkg.dependencies ?? {}).join(', ') || 'none'}, ` +
    `optional peers: ${Object.keys(mpPkg.peerDependencies ?? {}).join(', ') || 'none'}\n`,
);

// ---- 4. Behaviours that differ -----------------------------------------------------------------

console.log('## 4. Behaviours\n');
const rows: [string, string, string][] = [];
for (const [ch, seq] of [
  ['|', 'F'],
  ['^', 'S'],
  ['&', 'T'],
  ['~', 'R'],
  ['\\', 'E'],
] as const) {
  const value = `a${ch}b`;
  const oursOut = new Hl7Message([mshSegment({ 9: 'ACK', 10: '1' }), segment('NTE', { 3: value })]).toString().split('\r')[1]!;
  const mpOut = medplumOf(new Hl7Message([mshSegment({ 9: 'ACK', 10: '1' }), segment('NTE', { 3: value })]))
    .toString()
    .split('\r')[1]!;
  const text = `MSH|^~\\&|||||||ACK|1\rNTE|||a\\${seq}\\b\r`;
  rows.push([
    `write "${value}" / read "a\\${seq}\\b"`,
    `${oursOut} / ${JSON.stringify(parseMessage(text).get('NTE', 3))}`,
    `${mpOut} / ${JSON.stringify(MpMessage.parse(text).getSegment('NTE')?.getComponent(3, 1))}`,
  ]);
}
const withCr = 'MSH|^~\\&|A|B|||||ACK|1|P|2.5.1\rMSA|AA|1\r';
rows.push([
  'last segment ends with CR (written)',
  String(parseMessage(withCr).toString().endsWith('\r')),
  String(medplumOf(parseMessage(withCr)).toString().endsWith('\r')),
]);
rows.push([
  'segments read from "MSH..\\rMSA..\\r"',
  String(parseMessage(withCr).segments.length),
  `${MpMessage.parse(withCr).segments.length} (an empty one at the end)`,
]);
rows.push([
  'segments read with CRLF / LF',
  `${parseMessage(withCr.replace(/\r/g, '\r\n')).segments.length} / ${parseMessage(withCr.replace(/\r/g, '\n')).segments.length}`,
  `${MpMessage.parse(withCr.replace(/\r/g, '\r\n')).segments.length} / ${MpMessage.parse(withCr.replace(/\r/g, '\n')).segments.length}`,
]);
rows.push([
  'MSH-1 / MSH-2 read',
  `${parseMessage(withCr).get('MSH', 1)} / ${parseMessage(withCr).get('MSH', 2)}`,
  `${MpMessage.parse(withCr).header.getField(1).toString()} / ${MpMessage.parse(withCr).header.getField(2).toString()}`,
]);
rows.push(['MSH-2 "^^\\&" (repeated delimiter)', outcome(() => parseMessage('MSH|^^\\&|A\r')), outcome(() => MpMessage.parse('MSH|^^\\&|A\r'))]);
rows.push([
  '"MSH|^~\\&|A\\rpid|x" (bad segment name)',
  outcome(() => parseMessage('MSH|^~\\&|A\rpid|x')),
  outcome(() => MpMessage.parse('MSH|^~\\&|A\rpid|x')),
]);
const trailing = new Hl7Message([mshSegment({ 9: 'ACK', 10: '1' }), segment('PID', { 1: '1', 3: ['X', '', ''], 5: '' })]);
rows.push(['PID-1 "1", PID-3 "X^^", PID-5 "" written as', trailing.toString().split('\r')[1]!, medplumOf(trailing).toString().split('\r')[1]!]);
rows.push([
  'value with FS (0x1C, MLLP end of frame)',
  JSON.stringify(new Hl7Message([mshSegment({ 9: 'ACK', 10: '1' }), segment('NTE', { 3: 'a\x1cb' })]).toString().split('\r')[1]),
  JSON.stringify(
    medplumOf(new Hl7Message([mshSegment({ 9: 'ACK', 10: '1' }), segment('NTE', { 3: 'a\x1cb' })]))
      .toString()
      .split('\r')[1],
  ),
]);
rows.push(['date-time written (MSH-7)', hl7DateTime(AT + 500), (await import('@medplum/core')).formatHl7DateTime(new Date(AT + 500))]);
rows.push(['ACK codes it builds', 'AA AE AR CA CE CR, ERR-3 (table 0357)', 'AA only, no ERR; MSH-10 the clock']);
const w = [44, 38];
console.log(`${'case'.padEnd(w[0]!)} ${'ours'.padEnd(w[1]!)} medplum`);
for (const [what, a, b] of rows) console.log(`${what.padEnd(w[0]!)} ${a.padEnd(w[1]!)} ${b}`);

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return `refused (${(err as { code?: string }).code ?? (err as Error).message})`;
  }
}

function medplumVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@medplum', 'core', 'package.json'), 'utf8')) as { version: string }).version;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return total;
}
