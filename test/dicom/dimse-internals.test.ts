import { expect } from 'chai';
import net from 'node:net';
import { createRequire } from 'node:module';
import dimse from '../../src/dicom/net/dimse.js';
import { DIMSE_INSTANCE_FIELDS, DIMSE_INTERNALS, dimseInstanceProblems, dimseInternalsProblems } from '../../src/dicom/net/dimse-internals.js';

const installed = (createRequire(import.meta.url)('dcmjs-dimse/package.json') as { version: string }).version;
/** The library's Network prototype as shipped: our patch of sendAssociationRequest keeps its arity. */
const network = Object.getPrototypeOf(dimse.Scp.prototype) as Record<string, unknown>;

describe(`dicom/net/dimse-internals: the private members of dcmjs-dimse ${installed} we rely on`, () => {
  for (const { member, arity, how, why } of DIMSE_INTERNALS) {
    it(`Network.prototype.${member} is a function of ${arity} parameter(s) (${how}: ${why})`, () => {
      const value = network[member];
      expect(typeof value, `dcmjs-dimse ${installed}: Network.prototype.${member} is gone`).to.equal('function');
      expect((value as (...a: unknown[]) => unknown).length, `dcmjs-dimse ${installed}: Network.prototype.${member} changed its parameters`).to.equal(arity);
    });
  }

  it('the check names a member that is gone and one whose parameters changed', () => {
    const changed: Record<string, unknown> = { ...Object.fromEntries(DIMSE_INTERNALS.map((i) => [i.member, network[i.member]])) };
    delete changed._processPdu;
    changed._sendPDataTF = (command: unknown) => command;
    expect(dimseInternalsProblems(network)).to.deep.equal([]);
    expect(dimseInternalsProblems(changed)).to.deep.equal([
      'dcmjs-dimse: Network.prototype._sendPDataTF takes 1 parameters, not 3',
      'dcmjs-dimse: Network.prototype._processPdu is gone (undefined)',
    ]);
  });

  it(`an Scp has the fields we read (${DIMSE_INSTANCE_FIELDS.join(', ')}, statistics.addBytesReceived/addBytesSent)`, () => {
    const socket = new net.Socket();
    const scp = new dimse.Scp(socket, {});
    try {
      expect(dimseInstanceProblems(scp)).to.deep.equal([]);
      expect(dimseInstanceProblems({ socket })).to.deep.equal([
        'dcmjs-dimse: a Network instance has no statistics field',
        'dcmjs-dimse: a Network instance has no pending field',
        "dcmjs-dimse: a Network instance's statistics has no addBytesReceived()",
        "dcmjs-dimse: a Network instance's statistics has no addBytesSent()",
      ]);
    } finally {
      socket.destroy();
    }
  });

  it('only src/dicom/net/dimse-internals.ts names them', async () => {
    const { execFileSync } = await import('node:child_process');
    const names = DIMSE_INTERNALS.filter((i) => i.member.startsWith('_') || i.how === 'patched').map((i) => i.member);
    let hits = '';
    try {
      hits = execFileSync('grep', ['-rlE', names.join('|'), 'src'], { encoding: 'utf8' });
    } catch {
      // grep exits 1 when nothing matches
    }
    expect(hits.split('\n').filter(Boolean)).to.deep.equal(['src/dicom/net/dimse-internals.ts']);
  });
});
