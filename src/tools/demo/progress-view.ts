import type { StudyState, Outcome } from './study-tracker.js';

/** Where the demo writes: a terminal gets a block of lines redrawn in place, anything else plain lines. */
export interface Output {
  write(text: string): void;
  isTTY?: boolean;
  /** Terminal width: lines are cut to it, so that the block can be redrawn line for line. */
  columns?: number;
}

/** The stages of one study, in order, as short words with their details. */
export function stagesOf(s: StudyState): string[] {
  const out: string[] = [];
  const total = s.study.files.length;
  if (!s.sent) return [`sending 0/${total}`];
  out.push(`received ${s.sent.stored}/${total}`);
  if (s.stable) out.push(`complete (${s.stable.reason})`);
  else return [...out, s.instances > 0 ? `waiting for completion (${s.instances} indexed)` : 'waiting for completion'];
  if (s.routed) out.push(`routed ${s.routed.models.length ? s.routed.models.join(', ') : 'no rule'}`);
  else return out;
  if (s.finding) {
    const f = s.finding;
    out.push(`inferred ${f.probability.toFixed(3)} ${f.positive ? '≥' : '<'} ${f.threshold.toFixed(3)}: ${f.positive ? 'POSITIVE' : 'negative'}`);
  } else if (s.job && s.routed.models.length > 0) out.push(`job ${s.job.state}`);
  if (s.alert) {
    const words = s.alert.deliveries.map((d) => `${d.destination} ${d.state}`).join(', ');
    out.push(`alerted: ${words}; sinks took HL7 ${s.sinks.hl7}, FHIR ${s.sinks.fhir}, DICOM ${s.sinks.pacs}`);
  }
  return out;
}

const MARK: Record<Outcome, string> = { pending: '…', done: '✓', failed: '✗' };

export function studyLine(s: StudyState, outcome: Outcome, labelWidth: number): string {
  const tail = s.problem ? `  ✗ ${s.problem}` : '';
  return `${MARK[outcome]} ${s.study.label.padEnd(labelWidth)}  ${stagesOf(s).join(' → ')}${tail}`;
}

/**
 * Shows the studies' progress. On a terminal the block of study lines is redrawn in place
 * after each poll and other messages (what the sinks received) scroll above it; elsewhere
 * (a pipe, CI, a log) each change of a study's stages is printed once, as a plain line.
 */
export class ProgressView {
  /** The study lines on screen (terminal only), and how many rows they take. */
  private block: string[] = [];
  private drawn = 0;
  private readonly last = new Map<string, string>();

  constructor(private readonly out: Output) {}

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Messages that are not study lines (sink receipts, notes). */
  message(lines: string[]): void {
    this.clearBlock();
    for (const l of lines) this.out.write(`${l}\n`);
    this.redraw();
  }

  update(states: readonly StudyState[], outcomeOf: (s: StudyState) => Outcome): void {
    const width = Math.max(...states.map((s) => s.study.label.length));
    if (this.tty) {
      // A pseudo-terminal may report no width (0): assume a common one rather than cut to nothing.
      const cut = Math.max(20, (this.out.columns || 120) - 1);
      this.block = states.map((s) => [...studyLine(s, outcomeOf(s), width)].slice(0, cut).join(''));
      this.clearBlock();
      this.redraw();
      return;
    }
    for (const s of states) {
      const line = studyLine(s, outcomeOf(s), width);
      if (this.last.get(s.study.key) === line) continue;
      this.last.set(s.study.key, line);
      this.out.write(`${line}\n`);
    }
  }

  /** Leaves the block as it is: later output goes below it. */
  finish(): void {
    this.drawn = 0;
    this.block = [];
  }

  private clearBlock(): void {
    if (!this.tty || this.drawn === 0) return;
    // Up to the block's first line, then clear to the end of the screen.
    this.out.write(`\x1b[${this.drawn}F\x1b[0J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.tty || this.block.length === 0) return;
    for (const l of this.block) this.out.write(`${l}\n`);
    this.drawn = this.block.length;
  }
}
