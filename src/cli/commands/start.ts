import type { Command } from 'commander';
import { startNode } from '../../node.js';
import { loadConfigOrExit } from '../load-config.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the node with config/vigil.yaml (or VIGIL_CONFIG) and environment overrides')
    .action(async () => {
      const { config } = loadConfigOrExit();
      const node = await startNode(config);
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        node.log.info('shutting down', { signal });
        void node.stop().then(() => process.exit(0));
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}
