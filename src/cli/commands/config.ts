import type { Command } from 'commander';
import { loadConfigOrExit } from '../load-config.js';

export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('validate the configuration and print it as the node would use it')
    .action(() => {
      const { config, file } = loadConfigOrExit();
      process.stdout.write(`# from ${file ?? 'defaults'} and the environment\n${JSON.stringify(config, null, 2)}\n`);
    });
}
