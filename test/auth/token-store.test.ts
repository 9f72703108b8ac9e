import { expect } from 'chai';
import { authMigrations } from '../../src/auth/migrations.js';
import { TokenStore } from '../../src/auth/token-store.js';
import { isVigilError } from '../../src/core/errors.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('auth/token-store', () => {
  let db: Db;
  let tokens: TokenStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    migrate(db, [authMigrations]);
    tokens = new TokenStore(db);
  });
  afterEach(() => db.close());

  it('creates a token that authenticates as its name and role, storing only a salted hash', async () => {
    const { token } = await tokens.create('ris', 'service', 'test');
    expect(token).to.match(/^vgl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await tokens.authenticate(token)).to.deep.equal({ tokenName: 'ris', role: 'service' });
    const dump = JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
    expect(dump).to.not.include(token.slice(17));
    expect(dump).to.match(/scrypt\$16384\$8\$1\$/);
  });

  it('refuses a wrong secret for a known key id, and unknown tokens', async () => {
    const { token } = await tokens.create('ris', 'service', 'test');
    const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await tokens.authenticate(tampered)).to.equal(undefined);
    expect(await tokens.authenticate('vgl_000000000000_' + 'x'.repeat(43))).to.equal(undefined);
    expect(await tokens.authenticate('nonsense')).to.equal(undefined);
  });

  it('revokes by name, effective at once even for a token seen before', async () => {
    const { token } = await tokens.create('dr-a', 'radiologist', 'test');
    expect(await tokens.authenticate(token)).to.not.equal(undefined);
    tokens.revoke('dr-a');
    expect(await tokens.authenticate(token)).to.equal(undefined);
    expect(tokens.list()).to.have.length(0);
    expect(tokens.list({ includeRevoked: true })[0]).to.include({ name: 'dr-a', role: 'radiologist' });
  });

  it('sees a revocation made through another connection (the CLI while the node runs)', async () => {
    const { token } = await tokens.create('dr-a', 'radiologist', 'test');
    expect(await tokens.authenticate(token)).to.not.equal(undefined);
    new TokenStore(db).revoke('dr-a');
    expect(await tokens.authenticate(token)).to.equal(undefined);
  });

  it('keeps names unique among live tokens, and frees a name on revocation', async () => {
    await tokens.create('ris', 'service', 'test');
    expect(isVigilError(await rejection(tokens.create('ris', 'it', 'test')), 'CONFLICT')).to.equal(true);
    tokens.revoke('ris');
    await tokens.create('ris', 'it', 'test');
    expect(tokens.info('ris')?.role).to.equal('it');
  });

  it('rejects bad names, unknown roles and unknown revocations with coded errors', async () => {
    expect(isVigilError(await rejection(tokens.create('a b', 'it', 'test')), 'BAD_REQUEST')).to.equal(true);
    expect(isVigilError(await rejection(tokens.create('ok', 'root', 'test')), 'BAD_REQUEST')).to.equal(true);
    expect(() => tokens.revoke('nobody'))
      .to.throw()
      .that.satisfies((e: unknown) => isVigilError(e, 'NOT_FOUND'));
  });

  describe('VIGIL_ADMIN_TOKEN bootstrap', () => {
    const adminToken = 'b'.repeat(20) + 'c'.repeat(20);

    it('makes the admin token on first start only', async () => {
      expect(await tokens.bootstrap(adminToken)).to.equal('created');
      expect(await tokens.authenticate(adminToken)).to.deep.equal({ tokenName: 'admin', role: 'admin' });
      expect(await tokens.bootstrap(adminToken)).to.equal('not-needed');
      tokens.revoke('admin');
      expect(await tokens.bootstrap(adminToken)).to.equal('not-needed');
      expect(await tokens.authenticate(adminToken)).to.equal(undefined);
    });

    it('accepts a token in our own vgl_ shape as well', async () => {
      const own = 'vgl_0123456789ab_' + 'Z'.repeat(43);
      expect(await tokens.bootstrap(own)).to.equal('created');
      expect(await tokens.authenticate(own)).to.deep.equal({ tokenName: 'admin', role: 'admin' });
    });

    it('does nothing without the variable, and refuses a short one or a broken vgl_ one', async () => {
      expect(await tokens.bootstrap(undefined)).to.equal('absent');
      expect(isVigilError(await rejection(tokens.bootstrap('short')), 'CONFIG_INVALID')).to.equal(true);
      // Such a token could never be presented: a broken `vgl_` string is refused without a hash.
      expect(isVigilError(await rejection(tokens.bootstrap('vgl_0123456789ab_' + 'Z'.repeat(20))), 'CONFIG_INVALID')).to.equal(true);
      expect(tokens.list()).to.have.length(0);
    });
  });
});
