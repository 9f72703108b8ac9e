import type { Command } from 'commander';
import { ROLES, ROLE_DESCRIPTIONS } from '../../domain/roles.js';
import { TokenStore } from '../../auth/token-store.js';
import { cliUser, withNodeIndex } from '../node-index.js';

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
          [t.name, t.role, iso(t.createdAt), t.createdBy, t.lastUsedAt ? iso(t.lastUsedAt) : '-', t.revokedAt ? `revoked ${iso(t.revokedAt)}` : 'live'].join(
            '\t',
          ),
        );
        process.stdout.write(['NAME\tROLE\tCREATED\tBY\tLAST USED\tSTATE', ...lines].join('\n') + '\n');
      });
    });
}

/** Runs one token command on the node's data folder; `token create` may make its index. */
function withTokens(audited: string | undefined, params: Record<string, string>, fn: (tokens: TokenStore) => Promise<void> | void): Promise<void> {
  return withNodeIndex({ audited, params, mayCreateIndex: audited === 'token create' }, (db) => fn(new TokenStore(db)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
