import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { isVigilError } from '../../src/core/errors.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

function problemsOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (isVigilError(err, 'CONFIG_INVALID')) return err.extra!.problems as never;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('config: storage.retention', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
    fs.mkdirSync(path.join(dir, 'config'));
  });
  afterEach(() => removeDir(dir));
  const load = (yaml: string) => {
    fs.writeFileSync(path.join(dir, 'config/vigil.yaml'), yaml);
    return loadConfig({ env: {}, cwd: dir });
  };

  it('is off by default (no limit), with a schedule every 10 minutes', () => {
    expect(load('{}\n').config.storage.retention).to.deep.equal({ maxAgeDays: null, maxStorageMb: null, schedule: '*/10 * * * *' });
  });

  it('takes an age and a size limit', () => {
    const { retention } = load('storage:\n  retention:\n    maxAgeDays: 90\n    maxStorageMb: 500000\n    schedule: "0 * * * *"\n').config.storage;
    expect(retention).to.deep.equal({ maxAgeDays: 90, maxStorageMb: 500000, schedule: '0 * * * *' });
  });

  it('refuses a bad schedule, a size of 0 and an unknown key, each with its path', () => {
    const problems = problemsOf(() => load('storage:\n  retention:\n    schedule: "every night"\n    maxStorageMb: 0\n    maxAge: 30\n'));
    const paths = problems.map((p) => p.path);
    expect(paths).to.include.members(['storage.retention.schedule', 'storage.retention.maxStorageMb']);
    expect(JSON.stringify(problems))
      .to.match(/not a valid cron expression/)
      .and.to.match(/maxAge/);
  });
});
