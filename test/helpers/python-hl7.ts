import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hl7Message } from '../../src/hl7/message.js';

/** Debian's interpreter: the python3 first on PATH may not see Debian's packages. */
const PYTHON = '/usr/bin/python3';
const DUMP_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'python_hl7_dump.py');

/**
 * Tests that check our HL7 against Debian's python3-hl7 call this first: locally a missing
 * module skips with a message, under CI=true it fails (CI installs python3-hl7).
 */
export function requirePythonHl7(ctx: Mocha.Context): void {
  if (!hasPythonHl7()) {
    const why = 'python module hl7 not found: install the Debian package "python3-hl7" (apt-get install -y python3-hl7)';
    if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
    console.log(`      skipped: ${why}`);
    ctx.skip();
  }
}

let available: boolean | undefined;

/** Whether Debian's python3 can import hl7 (checked once). */
export function hasPythonHl7(): boolean {
  if (available === undefined) {
    try {
      execFileSync(PYTHON, ['-c', 'import hl7'], { stdio: 'ignore' });
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * Every non-empty value of a message, keyed "SEG#n.field.rep.comp.sub" (n counts segments of
 * that name from 1), so two parsers can be compared whatever their nesting habits.
 */
export type Hl7Values = Record<string, string>;

/** What python3-hl7 reads in each message. */
export function parseWithPythonHl7(texts: string[]): Hl7Values[] {
  const out = execFileSync(PYTHON, [DUMP_SCRIPT], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(out) as string[][][][][][];
  return parsed.map((segments) => flatten(segments.map((fields) => ({ name: fields[0]![0]![0]![0]!, fields: fields.map((f, i) => (i === 0 ? [] : f)) }))));
}

/** The same view of our own parsed message. */
export function valuesOf(msg: Hl7Message): Hl7Values {
  return flatten(msg.segments);
}

function flatten(segments: { name: string; fields: string[][][][] }[]): Hl7Values {
  const out: Hl7Values = {};
  const seen = new Map<string, number>();
  for (const seg of segments) {
    const n = (seen.get(seg.name) ?? 0) + 1;
    seen.set(seg.name, n);
    seg.fields.forEach((field, f) =>
      field.forEach((rep, r) =>
        rep.forEach((comp, c) =>
          comp.forEach((sub, s) => {
            if (sub !== '') out[`${seg.name}#${n}.${f}.${r + 1}.${c + 1}.${s + 1}`] = sub;
          }),
        ),
      ),
    );
  }
  return out;
}
