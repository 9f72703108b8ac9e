import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Every npm command in the project ran with `Unknown project config "onnxruntime-node-install"`:
 * .npmrc held a key only onnxruntime-node's install script reads. package.json's allowScripts
 * denies that script instead (it would fetch a CUDA provider; the CPU runtime ships in the
 * package), so a bare `npm install` stays offline-safe without the key.
 */
describe('npm configuration of the project', function () {
  this.timeout(60_000);

  it('makes npm warn about no project config key', async () => {
    const run = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile('npm', ['config', 'get', 'fund'], { cwd: ROOT, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: '' } }, (err, stdout, stderr) =>
        err ? reject(new Error(err.message, { cause: err })) : resolve({ stdout, stderr }),
      ),
    );
    expect(run.stdout.trim()).to.equal('false');
    expect(run.stderr).to.not.match(/Unknown (project|user|global|env|cli) config/);
  });

  it('denies onnxruntime-node its install script', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts['onnxruntime-node']).to.equal(false);
  });
});
