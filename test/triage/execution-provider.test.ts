import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { isVigilError } from '../../src/core/errors.js';
import { providerForWorker } from '../../src/core/execution-provider.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { startTestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { writeSlices } from '../helpers/pixel-fixtures.js';
import { copyPacks, ingest, settled } from '../helpers/triage.js';

const CUDA = 'triage:\n  executionProvider:\n    name: cuda\n    deviceId: 1\n';

/** This machine's onnxruntime-node has no CUDA provider (its install fetches none offline). */
describe('triage.executionProvider', function () {
  this.timeout(60_000);
  let work: string;
  beforeEach(() => (work = makeTempDir()));
  afterEach(() => removeDir(work));

  function problems(yaml: string): { source: string; path: string; message: string }[] {
    const file = path.join(work, 'vigil.yaml');
    fs.writeFileSync(file, yaml);
    try {
      loadConfig({ cwd: work, env: { VIGIL_CONFIG: file } });
      return [];
    } catch (err) {
      if (isVigilError(err, 'CONFIG_INVALID')) return err.extra!.problems as never;
      throw err;
    }
  }

  it('is cpu unless configured', () => {
    expect(loadConfig({ cwd: work, env: {} }).config.triage.executionProvider).to.deep.equal({ name: 'cpu', deviceId: 0, fallbackToCpu: false });
  });

  it('refuses cuda where onnxruntime-node has no CUDA provider, naming the key and what to do', () => {
    const [problem, ...rest] = problems(CUDA);
    expect(rest).to.deep.equal([]);
    expect(problem!.path).to.equal('triage.executionProvider.name');
    expect(problem!.message).to.match(
      /cuda asked, but onnxruntime-node has no CUDA provider on this machine \(libonnxruntime_providers_cuda\.so is not in .*\).*fallbackToCpu: true/,
    );
  });

  it('refuses unknown providers and bad device ids with their paths', () => {
    expect(problems('triage:\n  executionProvider:\n    name: tensorrt\n').map((p) => p.path)).to.deep.equal(['triage.executionProvider.name']);
    expect(problems('triage:\n  executionProvider:\n    name: cpu\n    deviceId: -1\n').map((p) => p.path)).to.deep.equal([
      'triage.executionProvider.deviceId',
    ]);
    expect(problems('triage:\n  executionProvider:\n    device: 0\n').map((p) => p.path)).to.deep.equal(['triage.executionProvider']);
  });

  it('a node asked for cuda here does not start: it exits with code 2 and the configuration problem', async () => {
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, CUDA);
    const failed = await startNodeProcess(path.join(work, 'data'), { VIGIL_CONFIG: configFile }).then(
      (node) => {
        node.child.kill('SIGTERM');
        return null;
      },
      (err: Error) => err.message,
    );
    expect(failed).to.match(/^node exited \(2\): vigil: configuration/);
    expect(failed).to.contain('triage.executionProvider.name: cuda asked, but onnxruntime-node has no CUDA provider');
  });

  it('with fallbackToCpu the node starts, warns, and runs jobs on the CPU', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const models = copyPacks(path.join(work, 'models'), ['test-volume']);
    const node = await startTestNode({ triage: { modelsDir: models, workers: 1, executionProvider: { name: 'cuda', fallbackToCpu: true } } });
    try {
      const warning = node.logs.lines
        .map((l) => JSON.parse(l))
        .find((l) => String(l.message).startsWith('triage.executionProvider: cuda asked but not available'));
      expect(warning?.level).to.equal('warn');
      const files = writeSlices(
        path.join(work, 'ct'),
        { seed: 'ep', rows: 16, columns: 16, intercept: -1024 },
        [0, 1, 2, 3].map((k) => ({ position: [0, 0, 5 * k], value: () => 1064 })),
      );
      const seriesId = await ingest(node, files, 'ep');
      expect((await settled(node, node.triage.enqueue({ seriesId, modelId: 'test-volume' }).job.id)).state).to.equal('done');
    } finally {
      await node.dispose();
    }
  });

  it('spreads the workers over the listed GPUs where CUDA is there', () => {
    const available = () => null;
    const pick = providerForWorker({ name: 'cuda', deviceId: [0, 1], fallbackToCpu: false }, () => expect.fail('no fallback'), available);
    expect([0, 1, 2].map(pick)).to.deep.equal([
      { name: 'cuda', deviceId: 0 },
      { name: 'cuda', deviceId: 1 },
      { name: 'cuda', deviceId: 0 },
    ]);
    const one = providerForWorker({ name: 'cuda', deviceId: 3, fallbackToCpu: false }, () => expect.fail('no fallback'), available);
    expect(one(5)).to.deep.equal({ name: 'cuda', deviceId: 3 });
  });
});
