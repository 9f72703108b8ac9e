import { expect } from 'chai';
import { AssociationTimer, type TimerPhase } from '../../src/dicom/net/association-timer.js';
import { eventually } from '../helpers/eventually.js';

/** Short limits: what is under test is which phase runs out, never how fast. */
const LIMITS: Record<TimerPhase, number> = { 'awaiting-request': 40, 'awaiting-first-message': 40, idle: 40, closing: 40 };

describe('dicom/association-timer: which silence ends a connection', () => {
  let timer: AssociationTimer | undefined;
  afterEach(() => timer?.stop());

  function start(busy: () => boolean = () => false): { expired: TimerPhase[] } {
    const state = { expired: [] as TimerPhase[] };
    timer = new AssociationTimer(LIMITS, (phase) => state.expired.push(phase), busy);
    return state;
  }

  it('runs out before the A-ASSOCIATE-RQ however many bytes trickle in (ARTIM is not re-armed by data)', async () => {
    const state = start();
    const trickle = setInterval(() => timer!.heard(), 5);
    try {
      await eventually(() => state.expired.length > 0, 'the ARTIM timer');
    } finally {
      clearInterval(trickle);
    }
    expect(state.expired).to.deep.equal(['awaiting-request']);
  });

  it('leaves the first-message phase at the first PDU heard; then only silence counts', async () => {
    const state = start();
    timer!.enter('awaiting-first-message');
    timer!.heard();
    expect(timer!.current).to.equal('idle');
    await eventually(() => state.expired.length > 0, 'the idle timer');
    expect(state.expired).to.deep.equal(['idle']);
  });

  it('never runs out in the idle phase while an answer of ours is due, and does once it is given', async () => {
    let busy = true;
    const state = start(() => busy);
    timer!.enter('idle');
    // Several idle limits pass while busy: the timer re-arms each time.
    await new Promise((resolve) => setTimeout(resolve, LIMITS.idle * 4));
    expect(state.expired).to.deep.equal([]);
    busy = false;
    timer!.answered();
    await eventually(() => state.expired.length > 0, 'the idle timer once not busy');
    expect(state.expired).to.deep.equal(['idle']);
  });

  it('fires nothing once stopped (the connection closed)', async () => {
    const state = start();
    timer!.stop();
    timer!.enter('closing');
    await new Promise((resolve) => setTimeout(resolve, LIMITS.closing * 3));
    expect(state.expired).to.deep.equal([]);
  });
});
