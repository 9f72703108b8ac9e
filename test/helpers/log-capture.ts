import Transport from 'winston-transport';

/** A winston transport that keeps every formatted record, to assert on what was logged. */
export class CaptureTransport extends Transport {
  readonly lines: string[] = [];

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const message = info[Symbol.for('message')];
    this.lines.push(typeof message === 'string' ? message : JSON.stringify(info));
    next();
  }

  text(): string {
    return this.lines.join('\n');
  }
}
