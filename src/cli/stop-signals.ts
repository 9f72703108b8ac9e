/**
 * What a SIGINT or SIGTERM asks of a running node.
 *
 * Ctrl-C on `npm start` delivers SIGINT twice: the terminal sends it to the whole foreground
 * process group (npm and the node), and npm forwards its own copy to the node. Both are one
 * request, so the same signal again within REPEAT_WINDOW_MS of the first is a repeat and is
 * ignored; a signal after that (or a different one) means "stop now".
 */
export const REPEAT_WINDOW_MS = 2000;

export type StopRequest = 'stop' | 'repeat' | 'force';

export class StopSignals {
  private first: { signal: NodeJS.Signals; at: number } | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  receive(signal: NodeJS.Signals): StopRequest {
    if (!this.first) {
      this.first = { signal, at: this.now() };
      return 'stop';
    }
    return signal === this.first.signal && this.now() - this.first.at < REPEAT_WINDOW_MS ? 'repeat' : 'force';
  }
}
