import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { readManifest } from '../../src/triage/manifest-file.js';
import { WorkerPool } from '../../src/triage/worker/pool.js';
import { packCheckBoundMs } from '../../src/triage/worker/protocol.js';
import { createLogger } from '../../src/log/logger.js';
import { logSection } from '../../src/config/sections/log.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { TEST_PACKS } from '../helpers/triage.js';

/** Every pack in the repository's models/ (and the test packs): checksum, shapes and test vector, as the node checks them at load. */
const FOLDERS = [path.resolve('models'), TEST_PACKS, path.resolve('test/bench/packs')];
const packs = FOLDERS.flatMap((root) =>
  fs.existsSync(root)
    ? fs
        .readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, 'manifest.json')))
        .map((e) => path.join(root, e.name))
    : [],
);

describe('triage: every shipped pack passes its own checks', function () {
  this.timeout(120_000);
  const pool = new WorkerPool({
    size: 1,
    heapMb: 2048,
    log: createLogger(logSection.parse({}), '.', { console: false, transports: [new CaptureTransport()] }),
  });
  after(() => pool.stop());

  for (const dir of packs) {
    it(`${path.relative(process.cwd(), dir)}: SHA-256, inputs and outputs, test vector`, async () => {
      const manifest = readManifest(path.join(dir, 'manifest.json'));
      expect(manifest.id).to.equal(path.basename(dir));
      expect(fs.existsSync(path.join(dir, 'MODEL_CARD.md')), 'MODEL_CARD.md').to.equal(true);
      const result = await pool.run({ kind: 'check-pack', pack: { dir, manifest, threads: 1 } }, packCheckBoundMs(manifest.resources.timeoutMs));
      expect(result.testVectorMaxError).to.be.at.most(manifest.testVector.tolerance);
    });
  }
});
