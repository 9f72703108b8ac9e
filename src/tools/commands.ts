import type { Command } from 'commander';
import type { LoadedConfig } from '../config/load.js';
import { registerDemo } from './commands/demo.js';
import { registerPhantom } from './commands/phantom.js';

/**
 * The developer tools' commands (`vigil phantom`, `vigil demo`): src/cli/main.ts registers them
 * when src/tools is there (a checkout), the image ships without them.
 */
export function registerTools(program: Command, cli: { loadConfigOrExit: () => LoadedConfig }): void {
  registerPhantom(program);
  registerDemo(program, cli.loadConfigOrExit);
}
