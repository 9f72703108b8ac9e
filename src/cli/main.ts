import fs from 'node:fs';
import { Command } from 'commander';
import { VERSION } from '../core/version.js';
import { loadConfigOrExit } from './load-config.js';
import { registerConfig } from './commands/config.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerModels } from './commands/models.js';
import { registerRules } from './commands/rules.js';
import { registerStart } from './commands/start.js';
import { registerToken } from './commands/token.js';
import { registerTriage } from './commands/triage.js';

/**
 * The developer tools (`vigil phantom`, `vigil demo`) are in src/tools, which the node never
 * imports and the image does not ship: registered when the folder is there. An error inside the
 * tools is not taken for their absence.
 */
async function registerTools(program: Command): Promise<void> {
  if (!fs.existsSync(new URL('../tools/', import.meta.url))) return;
  const tools = await import('../tools/commands.js');
  tools.registerTools(program, { loadConfigOrExit });
}

/** `vigil <command>`: each command lives in ./commands (../tools/commands for the developer tools) and registers itself here. */
const program = new Command();
program.name('vigil').description('A DICOM node with AI triage built in').version(VERSION);
registerStart(program);
registerConfig(program);
registerToken(program);
registerTriage(program);
registerEvaluate(program);
registerCalibrate(program);
registerModels(program);
registerRules(program);
await registerTools(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${(err as Error).message}\n`);
  process.exit(1);
});
