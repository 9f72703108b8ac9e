import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { isVigilError } from '../../src/core/errors.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

function problemsOf(fn: () => unknown): { source: string; path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    if (isVigilError(err, 'CONFIG_INVALID')) return err.extra!.problems as never;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

describe('config/load', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('runs on defaults alone', () => {
    const { config, file } = loadConfig({ env: {}, cwd: dir });
    expect(file).to.equal(undefined);
    expect(config.dicom).to.include({ aeTitle: 'VIGIL', port: 11112 });
    expect(config.http).to.include({ host: '127.0.0.1', port: 8042 });
    expect(config.dataDir).to.equal(path.join(dir, 'data'));
  });

  it('reads config/vigil.yaml, and the environment wins over the file', () => {
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config/vigil.yaml'), 'dicom:\n  aeTitle: FILE_AE\n  port: 104\nhttp:\n  port: 9000\n');
    const { config } = loadConfig({
      cwd: dir,
      env: {
        VIGIL_DICOM_PORT: '11113',
        VIGIL_AE_TITLE: 'ENV_AE',
        VIGIL_HTTP_HOST: '0.0.0.0',
        VIGIL_DATA_DIR: '/srv/vigil',
        VIGIL_MODELS_DIR: '/srv/models',
        VIGIL_TRIAGE_WORKERS: '3',
        VIGIL_INFERENCE_THREADS: '2',
      },
    });
    expect(config.dicom).to.include({ aeTitle: 'ENV_AE', port: 11113 });
    expect(config.triage).to.include({ modelsDir: '/srv/models', workers: 3, inferenceThreads: 2 });
    expect(config.http).to.include({ host: '0.0.0.0', port: 9000 });
    expect(config.dataDir).to.equal('/srv/vigil');
  });

  it('reports every problem with its source and path, at once', () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      ['dicom:', '  aeTitle: THIS_AE_TITLE_IS_FAR_TOO_LONG', '  porrt: 104', '  modalities:', '    - host: 10.0.0.1', 'htp: {}'].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ cwd: dir, env: { VIGIL_CONFIG: file, VIGIL_HTTP_PORT: 'eighty', VIGIL_FSYNC: 'maybe' } }));
    const where = problems.map((p) => `${p.source.includes('env') ? p.source : 'file'} ${p.path}`);
    expect(where).to.have.members([
      'env VIGIL_HTTP_PORT http.port',
      'env VIGIL_FSYNC storage.fsync',
      'file dicom.aeTitle',
      'file dicom',
      'file dicom.modalities.0.aeTitle',
      'file (root)',
    ]);
  });

  it('refuses a file that is not valid YAML, naming the file', () => {
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'dicom: [unclosed\n');
    const [problem] = problemsOf(() => loadConfig({ cwd: dir, env: { VIGIL_CONFIG: file } }));
    expect(problem).to.include({ source: file, path: '(syntax)' });
  });

  it('`vigil start` with a bad config exits non-zero listing the problems, before opening anything', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'dicom:\n  port: 70000\nhttp:\n  port: -1\n');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'start'],
        { env: { ...process.env, VIGIL_CONFIG: file, VIGIL_DATA_DIR: path.join(dir, 'data') } },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/2 problems/);
    expect(result.stderr).to.match(/dicom\.port/);
    expect(result.stderr).to.match(/http\.port/);
    expect(fs.existsSync(path.join(dir, 'data'))).to.equal(false);
  });
});
