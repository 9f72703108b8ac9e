import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load.js';
import { isVigilError } from '../../src/core/errors.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const GOOD = `auth:
  oidc:
    issuer: https://login.example.org/realms/hospital
    clientId: vigil
    clientSecret: { env: VIGIL_OIDC_SECRET }
    publicUrl: https://vigil.example.org
    roles:
      radiologist: [vigil-radiologists]
`;

describe('config: auth.oidc', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  function load(yaml: string) {
    const file = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(file, yaml);
    return loadConfig({ cwd: dir, env: { VIGIL_CONFIG: file } });
  }
  function pathsOf(yaml: string): string[] {
    try {
      load(yaml);
    } catch (err) {
      if (isVigilError(err, 'CONFIG_INVALID')) return (err.extra!.problems as { path: string }[]).map((p) => p.path);
      throw err;
    }
    throw new Error('expected the configuration to be refused');
  }

  it('is absent by default: the page asks for a token', () => {
    expect(loadConfig({ cwd: dir, env: {} }).config.auth.oidc).to.equal(undefined);
  });

  it('fills in the claims, scopes and reading-room timeouts', () => {
    const oidc = load(GOOD).config.auth.oidc!;
    expect(oidc).to.deep.include({
      roleClaim: 'groups',
      nameClaim: 'name',
      usernameClaim: 'preferred_username',
      scopes: ['openid', 'profile', 'email'],
      session: { idleMinutes: 30, absoluteHours: 12 },
    });
    expect(oidc.roles).to.deep.equal({ admin: [], it: [], radiologist: ['vigil-radiologists'], service: [] });
  });

  it('refuses each mistake at its path', () => {
    const cases: [string, string, string][] = [
      ['issuer: https://login.example.org/realms/hospital', 'issuer: http://login.example.org/realms/hospital', 'auth.oidc.issuer'],
      ['publicUrl: https://vigil.example.org', 'publicUrl: https://vigil.example.org/', 'auth.oidc.publicUrl'],
      ['publicUrl: https://vigil.example.org', 'publicUrl: https://vigil.example.org/vigil', 'auth.oidc.publicUrl'],
      ['publicUrl: https://vigil.example.org', 'publicUrl: https://vigil.example.org?x=1', 'auth.oidc.publicUrl'],
      ['      radiologist: [vigil-radiologists]', '      radiologist: []', 'auth.oidc.roles'],
      ['      radiologist: [vigil-radiologists]', '      radiologists: [vigil-radiologists]', 'auth.oidc.roles'],
      ['    clientId: vigil', '    clientId: ""', 'auth.oidc.clientId'],
      ['    clientId: vigil', '    clientId: vigil\n    scopes: [profile]', 'auth.oidc.scopes'],
      ['    clientId: vigil', '    clientId: vigil\n    roleClaim: "groups[0]"', 'auth.oidc.roleClaim'],
      ['    clientId: vigil', '    clientId: vigil\n    session: { idleMinutes: 120, absoluteHours: 1 }', 'auth.oidc.session.idleMinutes'],
      ['clientSecret: { env: VIGIL_OIDC_SECRET }', 'clientSecret: { env: "not a name" }', 'auth.oidc.clientSecret.env'],
    ];
    for (const [from, to, where] of cases) expect(pathsOf(GOOD.replace(from, to)), to).to.include(where);
  });

  it('takes plain http for a provider on loopback only (a trial, the tests)', () => {
    expect(load(GOOD.replace('https://login.example.org/realms/hospital', 'http://127.0.0.1:8080/realms/test')).config.auth.oidc!.issuer).to.equal(
      'http://127.0.0.1:8080/realms/test',
    );
  });
});
