import { loadConfig, type LoadedConfig } from '../config/load.js';
import { isVigilError } from '../core/errors.js';

/** Loads the configuration or exits with status 2, listing every problem with its path. */
export function loadConfigOrExit(): LoadedConfig {
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
