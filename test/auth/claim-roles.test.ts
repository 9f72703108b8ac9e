import { expect } from 'chai';
import { claimAt, roleFromClaims } from '../../src/auth/claim-roles.js';

const MAP = { admin: ['vigil-admins'], it: ['vigil-it'], radiologist: ['vigil-radiologists', 'b1c2-objectid'], service: [] };

describe("auth/claim-roles: the role from the provider's claims", () => {
  it('maps a groups list (Keycloak, Entra ID group object ids) to a role', () => {
    expect(roleFromClaims({ groups: ['staff', 'vigil-radiologists'] }, 'groups', MAP)).to.equal('radiologist');
    expect(roleFromClaims({ groups: ['b1c2-objectid'] }, 'groups', MAP)).to.equal('radiologist');
  });

  it('reads one string (an ADFS role) and a nested claim (Keycloak realm_access.roles)', () => {
    expect(roleFromClaims({ role: 'vigil-it' }, 'role', MAP)).to.equal('it');
    expect(roleFromClaims({ realm_access: { roles: ['offline_access', 'vigil-admins'] } }, 'realm_access.roles', MAP)).to.equal('admin');
  });

  it('several roles: the broadest wins (admin, it, radiologist, service)', () => {
    expect(roleFromClaims({ groups: ['vigil-radiologists', 'vigil-it'] }, 'groups', MAP)).to.equal('it');
  });

  it('no mapped value, no claim, or a claim of the wrong type: no role', () => {
    for (const claims of [{ groups: ['staff'] }, {}, { groups: 'staff' }, { groups: [42, null] }, { groups: { 'vigil-it': true } }]) {
      expect(roleFromClaims(claims, 'groups', MAP), JSON.stringify(claims)).to.equal(undefined);
    }
    expect(roleFromClaims({ realm_access: ['vigil-admins'] }, 'realm_access.roles', MAP)).to.equal(undefined);
  });

  it('claimAt walks objects only', () => {
    expect(claimAt({ a: { b: { c: 1 } } }, 'a.b.c')).to.equal(1);
    expect(claimAt({ a: [{ b: 1 }] }, 'a.0.b')).to.equal(undefined);
  });
});
