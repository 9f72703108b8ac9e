import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { AuditTrail } from '../../audit/audit-trail.js';
import { auditMigrations } from '../../audit/migrations.js';
import { authMigrations } from '../../auth/migrations.js';
import { ROLES, ROLE_DESCRIPTIONS } from '../../auth/roles.js';
import { TokenStore } from '../../auth/token-store.js';
import { isVigilError } from '../../errors.js';
import { indexPath, openDatabase, type Db } from '../../store/database.js';
import { migrate } from '../../store/migrate.js';
import { loadConfigOrExit } from '../load-config.js';

/**
 * `vigil token create|revoke|list`: API tokens, managed on the node's own index (the node may be
 * running; a revocation applies to its next request). A new token is printed once, on stdout
 * alone, so `TOKEN=$(vigil token create ...)` works. Creations and revocations are audited.
 */
export function registerToken(program: Command): void {
  const token = program.command('token').description('create, revoke and list API tokens');

  token
    .command('create')
    .description(`make a token and print it once; roles: ${ROLES.map((r) => `${r} (${ROLE_DESCRIPTIONS[r]})`).join('; ')}`)
    .requiredOption('--name <name>', 'who or what holds the token, e.g. ris or dr-smith')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .action(async (opts: { name: string; role: string }) => {
      await withTokens('token create', { name: opts.name, role: opts.role }, async (tokens) => {
        const { token: secret } = await tokens.create(opts.name, opts.role, cliUser());
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`token "${opts.name}" (${opts.role}) created; it is shown only this once\n`);
      });
    });

  token
    .command('revoke')
    .description('revoke a token by name (effective on its next request)')
    .argument('<name>')
    .action(async (name: string) => {
      await withTokens('token revoke', { name }, (tokens) => {
        tokens.revoke(name);
        process.stderr.write(`token "${name}" revoked\n`);
      });
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--all', 'include revoked tokens')
    .action(async (opts: { all?: boolean }) => {
      await withTokens(undefined, {}, (tokens) => {
        const rows = tokens.list({ includeRevoked: opts.all });
        const lines = rows.map((t) =>
          [t.name, t.role, iso(t.createdAt), t.createdBy, t.lastUsedAt ? iso(t.lastUsedAt) : '-', t.revokedAt ? `revoked ${iso(t.revokedAt)}` : 'live'].join('\t'),
        );
        process.stdout.write(['NAME\tROLE\tCREATED\tBY\tLAST USED\tSTATE', ...lines].join('\n') + '\n');
      });
    });
}

/** Runs one token command on the node's index; a change (`audited` names it) goes to the audit trail. */
async function withTokens(
  audited: string | undefined,
  params: Record<string, string>,
  fn: (tokens: TokenStore) => Promise<void> | void,
): Promise<void> {
  const { config } = loadConfigOrExit();
  const missing = missingIndex(config.dataDir, audited !== 'token create');
  if (missing) {
    process.stderr.write(`vigil: ${missing}\n`);
    process.exitCode = 1;
    return;
  }
  const db: Db = openDatabase(indexPath(config.dataDir));
  const audit = (status: number): void => {
    if (audited) {
      new AuditTrail(db).record({ tokenName: cliUser(), role: null, address: 'local', method: 'CLI', route: `vigil ${audited}`, params, resources: [], status });
    }
  };
  try {
    migrate(db, [authMigrations, auditMigrations]);
    await fn(new TokenStore(db));
    audit(200);
  } catch (err) {
    if (!isVigilError(err)) throw err;
    audit(err.status);
    process.stderr.write(`vigil: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    db.close();
  }
}

/**
 * A token command works on an existing node's data folder: it never creates one (a mistyped or
 * unset VIGIL_DATA_DIR would otherwise leave a new ./data behind and list nothing). Listing and
 * revoking also want the index; `token create` may make it, to seed a node before its first start.
 */
function missingIndex(dataDir: string, needsIndex: boolean): string | undefined {
  const dir = path.resolve(dataDir);
  const hint = 'set VIGIL_DATA_DIR (or dataDir in the config) to the data folder of your node';
  if (!fs.existsSync(dir)) return `no data folder at ${dir}: ${hint}`;
  if (needsIndex && !fs.existsSync(indexPath(dir))) return `no Vigil index in ${dir} (no node has started on it): ${hint}`;
  return undefined;
}

function cliUser(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
