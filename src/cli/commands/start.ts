import type { Command } from 'commander';
import { startNode } from '../../node.js';
import { loadConfigOrExit } from '../load-config.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the node with config/vigil.yaml (or VIGIL_CONFIG) and environment overrides; VIGIL_ADMIN_TOKEN seeds the first admin token')
    .action(async () => {
      const { config } = loadConfigOrExit();
      // Read once here: only the first start of a node turns it into the `admin` token.
      const node = await startNode(config, { adminToken: process.env.VIGIL_ADMIN_TOKEN });
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
