import { expect } from 'chai';
import { encodeCommand, type CommandElements } from '../../src/dicom/command-set.js';
import { DimseRouter, RouteError, type DatasetSink } from '../../src/dicom/dimse-router.js';
import { PDataError, parsePdvs, pdataPdu, type Pdv } from '../../src/dicom/pdata-tf.js';

const STORE = encodeCommand({ CommandField: 0x0001, MessageID: 5, CommandDataSetType: 0x0000, AffectedSOPInstanceUID: '1.2.3' })!;
const ECHO = encodeCommand({ CommandField: 0x0030, MessageID: 6, CommandDataSetType: 0x0101 })!;
const N_CREATE = encodeCommand({ CommandField: 0x0140, MessageID: 7, CommandDataSetType: 0x0000 })!;

const command = (value: Buffer, last = true, contextId = 1): Pdv => ({ contextId, command: true, last, value });
const data = (value: Buffer, last = false, contextId = 1): Pdv => ({ contextId, command: false, last, value });

/** A router whose target stores C-STORE data sets, answers C-ECHO, leaves the rest to "the library". */
function harness() {
  const seen = { commands: [] as CommandElements[], fragments: [] as Buffer[], ends: 0, forwarded: [] as Buffer[] };
  const sink: DatasetSink = { write: (f) => void seen.fragments.push(f), end: () => void seen.ends++ };
  const router = new DimseRouter({
    command: (_contextId, elements, hasDataset) => {
      seen.commands.push(elements);
      if (elements.CommandField === 0x0001 && hasDataset) return sink;
      if (elements.CommandField === 0x0030) return 'answered';
      return 'library';
    },
    forward: (pdu) => void seen.forwarded.push(pdu),
  });
  return { router, seen };
}

describe('dicom/dimse-router: C-STORE and C-ECHO read here, the rest to dcmjs-dimse', () => {
  it('hands a C-STORE data set to its sink fragment by fragment, as views of the PDUs', () => {
    const { router, seen } = harness();
    const second = pdataPdu([data(Buffer.alloc(100, 2))]);
    router.push(pdataPdu([command(STORE), data(Buffer.alloc(50, 1))]));
    router.push(second);
    router.push(pdataPdu([data(Buffer.alloc(10, 3), true)]));
    expect(seen.commands).to.have.length(1);
    expect(seen.commands[0]).to.include({ CommandField: 1, MessageID: 5, AffectedSOPInstanceUID: '1.2.3' });
    expect(seen.fragments.map((f) => f.length)).to.deep.equal([50, 100, 10]);
    expect(seen.fragments[1]!.buffer).to.equal(second.buffer); // no copy
    expect(seen.ends).to.equal(1);
    expect(seen.forwarded).to.deep.equal([]);
  });

  it('joins a command split over several PDVs and PDUs', () => {
    const { router, seen } = harness();
    router.push(pdataPdu([command(STORE.subarray(0, 9), false)]));
    router.push(pdataPdu([command(STORE.subarray(9, 20), false), command(STORE.subarray(20))]));
    router.push(pdataPdu([data(Buffer.alloc(4), true)]));
    expect(seen.commands[0]).to.include({ CommandField: 1, MessageID: 5 });
    expect(seen.ends).to.equal(1);
  });

  it('answers C-ECHO and goes on with the next message', () => {
    const { router, seen } = harness();
    router.push(pdataPdu([command(ECHO), command(STORE), data(Buffer.alloc(4), true)]));
    expect(seen.commands.map((c) => c.CommandField)).to.deep.equal([0x0030, 0x0001]);
    expect(seen.ends).to.equal(1);
  });

  it('forwards other messages whole: the PDU as received when it is all theirs', () => {
    const { router, seen } = harness();
    const pdu = pdataPdu([command(N_CREATE), data(Buffer.alloc(8, 9), true)]);
    router.push(pdu);
    expect(seen.forwarded).to.have.length(1);
    expect(seen.forwarded[0]).to.equal(pdu);
  });

  it('forwards the gathered fragments of a split command, and only their PDVs of a shared PDU', () => {
    const { router, seen } = harness();
    router.push(pdataPdu([command(N_CREATE.subarray(0, 12), false)]));
    router.push(pdataPdu([command(N_CREATE.subarray(12)), data(Buffer.alloc(8, 9), true), command(ECHO)]));
    expect(seen.forwarded).to.have.length(1);
    const pdvs = parsePdvs(seen.forwarded[0]!);
    expect(pdvs.map((p) => [p.command, p.last])).to.deep.equal([
      [true, false],
      [true, true],
      [false, true],
    ]);
    expect(Buffer.concat([pdvs[0]!.value, pdvs[1]!.value])).to.deep.equal(N_CREATE);
    expect(seen.commands.map((c) => c.CommandField)).to.deep.equal([0x0140, 0x0030]);
  });

  it('refuses fragments out of order', () => {
    expect(() => harness().router.push(pdataPdu([data(Buffer.alloc(4), true)]))).to.throw(RouteError, /before its command/);
    expect(() => harness().router.push(pdataPdu([command(STORE), command(ECHO)]))).to.throw(RouteError, /inside a data set/);
    expect(() => harness().router.push(pdataPdu([command(STORE), data(Buffer.alloc(4), true, 3)]))).to.throw(RouteError, /presentation context/);
  });
});

describe('dicom/pdata-tf: PDVs of a P-DATA-TF PDU', () => {
  it('reads back the PDVs it writes', () => {
    const pdvs = [command(STORE, false, 3), command(ECHO, true, 3), data(Buffer.from('abcd'), true, 3)];
    expect(parsePdvs(pdataPdu(pdvs))).to.deep.equal(pdvs);
  });

  it('refuses PDVs that do not fit their PDU', () => {
    const pdu = pdataPdu([data(Buffer.alloc(10))]);
    expect(() => parsePdvs(pdu.subarray(0, pdu.length - 1))).to.throw(PDataError, /does not match/);
    const cut = Buffer.from(pdu);
    cut.writeUInt32BE(100, 6); // the PDV says it is longer than the PDU
    expect(() => parsePdvs(cut)).to.throw(PDataError, /runs past/);
    const tiny = Buffer.from(pdu);
    tiny.writeUInt32BE(1, 6);
    expect(() => parsePdvs(tiny)).to.throw(PDataError, /runs past/);
    expect(() => parsePdvs(Buffer.from([0x04, 0, 0, 0, 0, 0]))).to.throw(PDataError, /without a PDV/);
  });
});
