import os from 'node:os';
import { expect } from 'chai';
import { threadsForMachine } from '../../src/core/machine-threads.js';
import { configSchema } from '../../src/config/schema.js';

describe('triage/machine-threads: workers and ONNX Runtime threads for the machine', () => {
  it('leaves a core to the receiving thread and never oversubscribes the rest', () => {
    expect([1, 2, 4, 8, 16].map((cores) => threadsForMachine(cores))).to.deep.equal([
      { workers: 1, inferenceThreads: 1 },
      { workers: 1, inferenceThreads: 1 },
      { workers: 3, inferenceThreads: 1 },
      { workers: 4, inferenceThreads: 1 },
      { workers: 4, inferenceThreads: 3 },
    ]);
    for (let cores = 2; cores <= 64; cores++) {
      const { workers, inferenceThreads } = threadsForMachine(cores);
      expect(workers * inferenceThreads, `${cores} cores`).to.be.at.most(cores - 1);
    }
  });

  it('is what a config without triage keys gets on this machine', () => {
    const { triage } = configSchema.parse({});
    expect({ workers: triage.workers, inferenceThreads: triage.inferenceThreads }).to.deep.equal(threadsForMachine(os.availableParallelism()));
  });
});
