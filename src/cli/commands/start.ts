import type { Command } from 'commander';
import type { Logger } from '../../log/logger.js';
import { startNode } from '../../node.js';
import { loadConfigOrExit } from '../load-config.js';
import { describeError } from '../../log/describe-error.js';
import { REPEAT_WINDOW_MS, StopSignals } from '../stop-signals.js';

/** Exit status of a stop that failed, overran stopTimeoutMs or was cut short by a second signal. */
const EXIT_STOP_FAILED = 1;

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the node with config/vigil.yaml (or VIGIL_CONFIG) and environment overrides; VIGIL_ADMIN_TOKEN seeds the first admin token')
    .action(async () => {
      const { config } = loadConfigOrExit();
      // Read once here: only the first start of a node turns it into the `admin` token.
      const node = await startNode(config, { adminToken: process.env.VIGIL_ADMIN_TOKEN });
      const signals = new StopSignals();
      /**
       * The first SIGTERM or SIGINT stops the node gracefully (src/node.ts: no new association,
       * C-STOREs under way answered, running jobs parked, the index closed) and exits 0. The same
       * signal again within a moment is the same request (Ctrl-C on `npm start` delivers SIGINT
       * twice: src/cli/stop-signals.ts). A later second signal, or a stop past stopTimeoutMs,
       * exits non-zero at once: whoever sent it wants the process gone, and a hung stop must not
       * look like a clean one.
       */
      const shutdown = (signal: NodeJS.Signals): void => {
        const request = signals.receive(signal);
        if (request === 'repeat') {
          node.log.debug('the same signal again within a moment: the stop already under way answers it', { signal, windowMs: REPEAT_WINDOW_MS });
          return;
        }
        if (request === 'force') {
          if (exiting) process.exit(EXIT_STOP_FAILED);
          node.log.error('second signal while stopping: exiting without finishing the stop', { signal });
          void exitAfterFlush(node.log, EXIT_STOP_FAILED);
          return;
        }
        node.log.info('shutting down', { signal, stopTimeoutMs: config.stopTimeoutMs });
        // Not unref'd: a stop waiting on something that keeps nothing alive would otherwise end the process with status 0.
        setTimeout(() => {
          if (exiting) return;
          node.log.error('the stop took longer than stopTimeoutMs: exiting without finishing it', { stopTimeoutMs: config.stopTimeoutMs });
          void exitAfterFlush(node.log, EXIT_STOP_FAILED);
        }, config.stopTimeoutMs);
        node.stop().then(
          () => exitAfterFlush(node.log, 0),
          (err: unknown) => {
            node.log.error('the stop failed', { error: describeError(err) });
            return exitAfterFlush(node.log, EXIT_STOP_FAILED);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}

let exiting = false;

/** Lets the log's transports write out their last lines (a file transport is asynchronous), then exits. */
async function exitAfterFlush(log: Logger, code: number): Promise<never> {
  // A second way out while the log is flushing (a signal, the overdue timer) exits at once.
  if (exiting) process.exit(code);
  exiting = true;
  await new Promise<void>((resolve) => {
    setTimeout(resolve, 1000).unref();
    log.once('finish', () => resolve());
    log.end();
  });
  process.exit(code);
}
