#!/usr/bin/env node
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { isVigilError } from '../errors.js';
import { startNode } from '../node.js';
import { VERSION } from '../version.js';

const program = new Command();
program.name('vigil').description('A DICOM node with AI triage built in').version(VERSION);

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

program
  .command('config')
  .description('validate the configuration and print it as the node would use it')
  .action(() => {
    const { config, file } = loadConfigOrExit();
    process.stdout.write(`# from ${file ?? 'defaults'} and the environment\n${JSON.stringify(config, null, 2)}\n`);
  });

function loadConfigOrExit(): ReturnType<typeof loadConfig> {
  try {
    return loadConfig();
  } catch (err) {
    if (isVigilError(err, 'CONFIG_INVALID')) {
      process.stderr.write(`vigil: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${(err as Error).message}\n`);
  process.exit(1);
});
