import { expect } from 'chai';
import { HashSlots } from '../../src/auth/hash-slots.js';
import { isVigilError } from '../../src/core/errors.js';

/** A hash the test finishes by hand. */
function gate(): { promise: Promise<string>; open(value: string): void } {
  let open!: (value: string) => void;
  const promise = new Promise<string>((resolve) => (open = resolve));
  return { promise, open };
}

describe('auth/hash-slots', () => {
  it('runs one hash at a time in arrival order, and refuses beyond the waiting room with AUTH_BUSY', async () => {
    const slots = new HashSlots(1, 2);
    const gates = [gate(), gate(), gate()];
    const order: number[] = [];
    const runs = gates.map((g, i) =>
      slots.run(() => {
        order.push(i);
        return g.promise;
      }),
    );
    const refused = await slots
      .run(() => Promise.resolve('never'))
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isVigilError(refused, 'AUTH_BUSY')).to.equal(true);
    expect(slots.queued).to.equal(2);
    await Promise.resolve();
    expect(order).to.deep.equal([0]);
    gates[0]!.open('a');
    expect(await runs[0]).to.equal('a');
    gates[2]!.open('c');
    gates[1]!.open('b');
    expect(await Promise.all(runs)).to.deep.equal(['a', 'b', 'c']);
    expect(order).to.deep.equal([0, 1, 2]);
    expect(slots.peakRunning).to.equal(1);
    expect(slots.started).to.equal(3);
  });

  it('frees its slot when a hash fails', async () => {
    const slots = new HashSlots(1, 0);
    await slots.run(() => Promise.reject(new Error('scrypt failed'))).catch(() => undefined);
    expect(await slots.run(() => Promise.resolve('next'))).to.equal('next');
  });
});
