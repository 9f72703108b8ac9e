import { expect } from 'chai';
import { CommandSetError, decodeCommand, encodeCommand, type CommandElements } from '../../src/dicom/net/command-set.js';
import { DimseRouter, RouteError, type DatasetSink, type RouterTarget } from '../../src/dicom/net/dimse-router.js';
import { PduFramer } from '../../src/dicom/net/pdu-framer.js';
import { pdataPdu, type Pdv } from '../../src/dicom/net/pdata-tf.js';

const STORE = encodeCommand({ CommandField: 0x0001, MessageID: 5, CommandDataSetType: 0x0000, AffectedSOPInstanceUID: '1.2.3' })!;
const ECHO = encodeCommand({ CommandField: 0x0030, MessageID: 6, CommandDataSetType: 0x0101 })!;
const N_CREATE = encodeCommand({ CommandField: 0x0140, MessageID: 7, CommandDataSetType: 0x0000 })!;

const command = (value: Buffer, last = true, contextId = 1): Pdv => ({ contextId, command: true, last, value });
const data = (value: Buffer, last = false, contextId = 1): Pdv => ({ contextId, command: false, last, value });

/** A target that stores C-STORE data sets, answers C-ECHO, leaves the rest to "the library", and records it all. */
function recordingTarget() {
  const seen = { commands: [] as CommandElements[], fragments: [] as Buffer[], ends: 0, forwarded: [] as Buffer[] };
  const sink: DatasetSink = { write: (f) => void seen.fragments.push(f), end: () => void seen.ends++ };
  const target: RouterTarget = {
    command: (_contextId, elements, hasDataset) => {
      seen.commands.push(elements);
      if (elements.CommandField === 0x0001 && hasDataset) return sink;
      if (elements.CommandField === 0x0030) return 'answered';
      return 'library';
    },
    forward: (pdu) => void seen.forwarded.push(pdu),
  };
  return { seen, target };
}

/** A router behind a real framer; `send` feeds P-DATA-TF PDUs in reads of `readSize` bytes. */
function harness(readSize = 65_536) {
  const { seen, target } = recordingTarget();
  const router = new DimseRouter(target);
  const framer = new PduFramer(1 << 20);
  const send = (...pdus: Buffer[]) => {
    const bytes = Buffer.concat(pdus);
    for (let at = 0; at < bytes.length; at += readSize) {
      for (const framed of framer.push(bytes.subarray(at, at + readSize))) {
        if (!('piece' in framed)) throw new Error('expected PDV pieces');
        router.push(framed.piece);
      }
    }
  };
  return { send, seen };
}

describe('dicom/dimse-router: C-STORE and C-ECHO read here, the rest to dcmjs-dimse', () => {
  for (const readSize of [5, 16_384, 65_536]) {
    it(`hands a C-STORE data set to its sink as it arrives, whole and once (reads of ${readSize} bytes)`, () => {
      const { send, seen } = harness(readSize);
      const body = Buffer.alloc(200_000);
      for (let i = 0; i < body.length; i++) body[i] = i % 251;
      send(
        pdataPdu([command(STORE), data(body.subarray(0, 50))]),
        pdataPdu([data(body.subarray(50, 150_000))]),
        pdataPdu([data(body.subarray(150_000), true)]),
      );
      expect(seen.commands).to.have.length(1);
      expect(seen.commands[0]).to.include({ CommandField: 1, MessageID: 5, AffectedSOPInstanceUID: '1.2.3' });
      expect(Buffer.concat(seen.fragments)).to.deep.equal(body);
      expect(seen.ends).to.equal(1);
      expect(seen.forwarded).to.deep.equal([]);
    });
  }

  it('joins a command split over several PDVs and PDUs', () => {
    const { send, seen } = harness(7);
    send(pdataPdu([command(STORE.subarray(0, 9), false)]), pdataPdu([command(STORE.subarray(9, 20), false), command(STORE.subarray(20))]));
    send(pdataPdu([data(Buffer.alloc(4), true)]));
    expect(seen.commands[0]).to.include({ CommandField: 1, MessageID: 5 });
    expect(seen.ends).to.equal(1);
  });

  it('answers C-ECHO and goes on with the next message', () => {
    const { send, seen } = harness();
    send(pdataPdu([command(ECHO), command(STORE), data(Buffer.alloc(4), true)]));
    expect(seen.commands.map((c) => c.CommandField)).to.deep.equal([0x0030, 0x0001]);
    expect(seen.ends).to.equal(1);
  });

  it('forwards other messages to dcmjs-dimse a whole PDV per PDU, and goes on with the next message', () => {
    const { send, seen } = harness(3);
    send(pdataPdu([command(N_CREATE.subarray(0, 12), false)]));
    send(pdataPdu([command(N_CREATE.subarray(12)), data(Buffer.alloc(8, 9), true), command(ECHO)]));
    expect(seen.forwarded.map(pdvOf)).to.deep.equal([command(N_CREATE), data(Buffer.alloc(8, 9), true)]);
    expect(decodeCommand(pdvOf(seen.forwarded[0]!).value)).to.include({ CommandField: 0x0140 });
    expect(seen.commands.map((c) => c.CommandField)).to.deep.equal([0x0140, 0x0030]);
  });

  it('refuses fragments out of order, and a command it cannot read', () => {
    expect(() => harness().send(pdataPdu([data(Buffer.alloc(4), true)]))).to.throw(RouteError, /before its command/);
    expect(() => harness().send(pdataPdu([command(STORE), command(ECHO)]))).to.throw(RouteError, /inside a data set/);
    expect(() => harness().send(pdataPdu([command(STORE), data(Buffer.alloc(4), true, 3)]))).to.throw(RouteError, /presentation context/);
    expect(() => harness().send(pdataPdu([command(STORE.subarray(0, STORE.length - 2))]))).to.throw(CommandSetError);
  });
});

describe('dicom/dimse-router: damaged streams', () => {
  it('meets 500 damaged exchanges with its own errors only (the SCP turns them into an A-ABORT)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const exchange = Buffer.concat([
      pdataPdu([command(STORE), data(Buffer.alloc(300, 1))]),
      pdataPdu([data(Buffer.alloc(50, 2), true)]),
      pdataPdu([command(N_CREATE), data(Buffer.alloc(20, 3), true)]),
      pdataPdu([command(ECHO)]),
    ]);
    const outcomes = new Set<string>();
    for (let n = 0; n < 500; n++) {
      const damaged = Buffer.from(exchange);
      for (let k = 0; k < 1 + random() * 6; k++) damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      const cut = damaged.subarray(0, Math.floor(damaged.length * (0.5 + random() / 2)));
      const router = new DimseRouter(recordingTarget().target);
      const framer = new PduFramer(1 << 20);
      try {
        for (let at = 0; at < cut.length; at += 97) {
          for (const framed of framer.push(cut.subarray(at, at + 97))) {
            if ('error' in framed) throw Object.assign(new Error(framed.error), { framing: true });
            if ('piece' in framed) router.push(framed.piece);
          }
        }
        outcomes.add('read');
      } catch (err) {
        const ours = err instanceof RouteError || err instanceof CommandSetError || (err as { framing?: boolean }).framing === true;
        expect(ours, String(err)).to.equal(true);
        outcomes.add((err as Error).constructor.name);
      }
    }
    expect(outcomes.size, 'the damage reached every layer').to.be.greaterThan(2);
  });
});

/** The one PDV of a forwarded PDU. */
function pdvOf(pdu: Buffer): Pdv {
  const control = pdu[11]!;
  return { contextId: pdu[10]!, command: (control & 1) !== 0, last: (control & 2) !== 0, value: pdu.subarray(12, 6 + pdu.readUInt32BE(2)) };
}
