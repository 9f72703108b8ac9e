import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { expect } from 'chai';
import { AuditTrail } from '../../src/audit/audit-trail.js';
import { auditMigrations } from '../../src/audit/migrations.js';
import { authMigrations } from '../../src/auth/migrations.js';
import { TokenStore } from '../../src/auth/token-store.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

function vigil(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/vigil.mjs', ...args],
      { env: { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_CONFIG: '' }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('cli/token', function () {
  this.timeout(60_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = makeTempDir();
  });
  afterEach(() => removeDir(dataDir));

  it('creates a token printed once on stdout, lists it without the secret, revokes it', async () => {
    const created = await vigil(dataDir, ['token', 'create', '--name', 'ris', '--role', 'service']);
    expect(created.code, created.stderr).to.equal(0);
    const token = created.stdout.trim();
    expect(token).to.match(/^vgl_/);

    const db = openDatabase(indexPath(dataDir));
    migrate(db, [authMigrations, auditMigrations]);
    try {
      const tokens = new TokenStore(db);
      expect(await tokens.authenticate(token)).to.deep.equal({ tokenName: 'ris', role: 'service' });

      const listed = await vigil(dataDir, ['token', 'list']);
      expect(listed.stdout).to.match(/^ris\tservice\t/m);
      expect(listed.stdout).to.not.include(token);

      const again = await vigil(dataDir, ['token', 'create', '--name', 'ris', '--role', 'it']);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/already named "ris"/);

      expect((await vigil(dataDir, ['token', 'revoke', 'ris'])).code).to.equal(0);
      expect(await tokens.authenticate(token)).to.equal(undefined);
      expect((await vigil(dataDir, ['token', 'list', '--all'])).stdout).to.match(/^ris\tservice\t.*revoked/m);
      expect((await vigil(dataDir, ['token', 'create', '--name', 'x', '--role', 'root'])).stderr).to.match(/unknown role/);

      const trail = new AuditTrail(db).list({ since: 0, limit: 10 }).entries.map((e) => [e.method, e.route, e.params.name, e.status]);
      expect(trail).to.deep.equal([
        ['CLI', 'vigil token create', 'ris', 200],
        ['CLI', 'vigil token create', 'ris', 409],
        ['CLI', 'vigil token revoke', 'ris', 200],
        ['CLI', 'vigil token create', 'x', 400],
      ]);
    } finally {
      db.close();
    }
  });

  it('never creates a data folder: a missing one, or an index no node made, is named with the way out', async () => {
    const absent = `${dataDir}/not-here`;
    for (const args of [
      ['token', 'list'],
      ['token', 'revoke', 'ris'],
      ['token', 'create', '--name', 'ris', '--role', 'it'],
    ]) {
      const run = await vigil(absent, args);
      expect(run.code, args.join(' ')).to.equal(1);
      expect(run.stderr).to.include(`no data folder at ${absent}: set VIGIL_DATA_DIR`);
    }
    expect(fs.existsSync(absent)).to.equal(false);
    const listed = await vigil(dataDir, ['token', 'list']);
    expect(listed.code).to.equal(1);
    expect(listed.stderr).to.include(`no Vigil index in ${dataDir} (no node has started on it)`);
    expect(fs.readdirSync(dataDir)).to.deep.equal([]);
  });
});
