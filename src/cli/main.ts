import { Command } from 'commander';
import { VERSION } from '../core/version.js';
import { registerConfig } from './commands/config.js';
import { registerDemo } from './commands/demo.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerModels } from './commands/models.js';
import { registerPhantom } from './commands/phantom.js';
import { registerRules } from './commands/rules.js';
import { registerStart } from './commands/start.js';
import { registerToken } from './commands/token.js';
import { registerTriage } from './commands/triage.js';

/** `vigil <command>`: each command lives in ./commands and registers itself here. */
const program = new Command();
program.name('vigil').description('A DICOM node with AI triage built in').version(VERSION);
registerStart(program);
registerConfig(program);
registerToken(program);
registerTriage(program);
registerPhantom(program);
registerEvaluate(program);
registerCalibrate(program);
registerModels(program);
registerRules(program);
registerDemo(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`vigil: ${(err as Error).message}\n`);
  process.exit(1);
});
