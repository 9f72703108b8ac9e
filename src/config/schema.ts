import { z } from 'zod';
import { alertsSection } from './sections/alerts.js';
import { authSection } from './sections/auth.js';
import { dicomSection } from './sections/dicom.js';
import { httpSection } from './sections/http.js';
import { logSection } from './sections/log.js';
import { nodeSection } from './sections/node.js';
import { rulesSection } from './sections/rules.js';
import { seriesSection } from './sections/series.js';
import { pluginsSection } from './sections/plugins.js';
import { storageSection } from './sections/storage.js';
import { triageSection } from './sections/triage.js';
import { worklistSection } from './sections/worklist.js';

/**
 * The whole configuration. Each part owns its section in `sections/`; this file only
 * assembles them. Unknown keys are errors everywhere so that a typo never becomes a silent
 * default.
 */
export const configSchema = z.strictObject({
  /** Where the index, the file store and the logs live (relative to the working folder). */
  dataDir: z.string().min(1).default('./data'),
  /**
   * A stop (SIGTERM, SIGINT) that has not finished in this time ends the process with a non-zero
   * status rather than hanging; it should exceed dicom.timeouts.drainMs.
   */
  stopTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  alerts: alertsSection,
  auth: authSection,
  dicom: dicomSection,
  http: httpSection,
  log: logSection,
  /** The node's roles in a cluster (VIGIL_ROLES): every role unless told. */
  node: nodeSection,
  rules: rulesSection,
  storage: storageSection,
  series: seriesSection,
  plugins: pluginsSection,
  triage: triageSection,
  worklist: worklistSection,
});

export type VigilConfig = z.infer<typeof configSchema>;
/** What a config file may contain: every key optional. */
export type VigilConfigInput = z.input<typeof configSchema>;
