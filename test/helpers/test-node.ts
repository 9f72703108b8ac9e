import type { Role } from '../../src/domain/roles.js';
import { configSchema, type VigilConfig, type VigilConfigInput } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { startNode, type VigilNode } from '../../src/node.js';
import type { Clock } from '../../src/core/clock.js';
import { CaptureTransport } from './log-capture.js';
import { makeTempDir, removeDir } from './tmp.js';

export interface TestNode extends VigilNode {
  dataDir: string;
  logs: CaptureTransport;
  /** A live token of this role (made once per node, named `test-<role>`). */
  tokenFor(role: Role): Promise<string>;
  /** Stops the node and removes its data folder. */
  dispose(): Promise<void>;
}

/** A config on a temp data folder and free loopback ports, with debug logs captured. */
export function testConfig(dataDir: string, overrides: VigilConfigInput = {}): VigilConfig {
  return configSchema.parse({
    ...overrides,
    dataDir,
    dicom: { host: '127.0.0.1', port: 0, ...overrides.dicom },
    http: { host: '127.0.0.1', port: 0, ...overrides.http },
    log: { level: 'debug', format: 'json', ...overrides.log }, // JSON whatever runs the tests: they parse the lines
    storage: { minFreeMb: 0, ...overrides.storage },
    // No model packs unless a test brings its own (the repo's models/ would be checked at every start).
    triage: { modelsDir: `${dataDir}/models`, ...overrides.triage },
  });
}

/** Starts a real node in this process: real DICOM port, real HTTP port, real SQLite. */
export async function startTestNode(overrides: VigilConfigInput = {}, opts: { clock?: Clock; dataDir?: string } = {}): Promise<TestNode> {
  const dataDir = opts.dataDir ?? makeTempDir();
  const config = testConfig(dataDir, overrides);
  const logs = new CaptureTransport();
  const log = createLogger(config.log, dataDir, { console: false, transports: [logs] });
  const node = await startNode(config, { log, clock: opts.clock });
  return asTestNode(node, dataDir, logs);
}

/** Adds the test conveniences to a started node (also one restarted on the same data folder). */
export function asTestNode(node: VigilNode, dataDir: string, logs: CaptureTransport): TestNode {
  const tokens = new Map<Role, Promise<string>>();
  return Object.assign(node, {
    dataDir,
    logs,
    tokenFor(role: Role): Promise<string> {
      if (!tokens.has(role))
        tokens.set(
          role,
          node.tokens.create(`test-${role}`, role, 'test').then((t) => t.token),
        );
      return tokens.get(role)!;
    },
    async dispose() {
      await node.stop();
      removeDir(dataDir);
    },
  });
}
