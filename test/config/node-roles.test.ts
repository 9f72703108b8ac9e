import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { isVigilError } from '../../src/core/errors.js';
import { NODE_ROLES } from '../../src/domain/node-roles.js';
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

describe('config: node.roles and VIGIL_ROLES', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('runs every role by default; the file sets them; VIGIL_ROLES wins over the file', () => {
    expect(loadConfig({ env: {}, cwd: dir }).config.node.roles).to.deep.equal([...NODE_ROLES]);
    const file = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(file, 'node:\n  roles: [dicom, api]\n');
    expect(loadConfig({ env: { VIGIL_CONFIG: file }, cwd: dir }).config.node.roles).to.deep.equal(['dicom', 'api']);
    const fromEnv = loadConfig({ env: { VIGIL_CONFIG: file, VIGIL_ROLES: ' triage, alerts ,scheduler' }, cwd: dir }).config;
    expect(fromEnv.node.roles).to.deep.equal(['triage', 'alerts', 'scheduler']);
  });

  it('refuses an unknown role, a role twice and an empty item with the path and the variable', () => {
    const problems = problemsOf(() => loadConfig({ env: { VIGIL_ROLES: 'dicom,reciever,dicom,' }, cwd: dir }));
    expect(problems.map((p) => `${p.source} ${p.path}`)).to.have.members([
      'env VIGIL_ROLES node.roles.1',
      'env VIGIL_ROLES node.roles.2',
      'env VIGIL_ROLES node.roles.3',
    ]);
    expect(problems.find((p) => p.path === 'node.roles.2')!.message).to.equal('"dicom" is listed twice');
    expect(problems.find((p) => p.path === 'node.roles.1')!.message).to.match(/dicom.*api.*triage.*alerts.*scheduler/);
  });

  it('refuses an empty list and an unknown key in the file', () => {
    const file = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(file, 'node:\n  roles: []\n  role: dicom\n');
    const problems = problemsOf(() => loadConfig({ env: { VIGIL_CONFIG: file }, cwd: dir }));
    expect(problems.map((p) => `${p.source === file ? 'file' : p.source} ${p.path}`)).to.have.members(['file node.roles', 'file node']);
    expect(problems.find((p) => p.path === 'node.roles')!.message).to.match(/at least one of dicom, api, triage, alerts, scheduler/);
    fs.writeFileSync(file, 'node:\n  roles: dicom\n');
    expect(problemsOf(() => loadConfig({ env: { VIGIL_CONFIG: file }, cwd: dir })).map((p) => p.path)).to.deep.equal(['node.roles']);
  });

  it('`vigil start` with an unknown role exits with status 2 before opening anything', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'start'],
        { env: { ...process.env, VIGIL_CONFIG: '', VIGIL_ROLES: 'dicom,workers', VIGIL_DATA_DIR: path.join(dir, 'data') } },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.match(/env VIGIL_ROLES: node\.roles\.1/);
    expect(fs.existsSync(path.join(dir, 'data'))).to.equal(false);
  });
});
