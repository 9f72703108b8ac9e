import { expect } from 'chai';
import { LeadershipTerms, type Leadership } from '../../src/cluster/leadership.js';
import { whileLeading, type ScheduledDuty } from '../../src/cluster/while-leading.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { createLogger } from '../../src/log/logger.js';
import { settle } from '../helpers/eventually.js';

const logs = new CaptureTransport();
const log = createLogger({ level: 'error', format: 'json' } as never, '.', { console: false, transports: [logs] });

/** A leadership moved by hand: the terms PostgresLeadership and SoloLeadership share. */
class HandLeadership implements Leadership {
  readonly terms = new LeadershipTerms(log);
  isLeader = (): boolean => this.terms.leading;
  onGained = (fn: (term: AbortSignal) => void): (() => void) => this.terms.onGained(fn);
  onLost = (fn: Parameters<Leadership['onLost']>[0]): (() => void) => this.terms.onLost(fn);
  start(): void {}
  stop(): Promise<void> {
    this.terms.lose('stopped');
    return Promise.resolve();
  }
}

/** A duty that records its steps; its stop takes a moment, as a cron task's destroy does. */
function recordingDuty(): ScheduledDuty & { steps: string[] } {
  const steps: string[] = [];
  return {
    name: 'retention',
    steps,
    start: () => void steps.push('start'),
    stop: async () => {
      steps.push('stop');
      await settle(2);
    },
  };
}

describe('cluster/while-leading: a scheduled duty runs only on the leader', () => {
  it('starts at each gain and stops at each loss, in order, never twice in a row', async () => {
    const leadership = new HandLeadership();
    const duty = recordingDuty();
    const guard = whileLeading(leadership, duty, log);
    expect(duty.steps).to.deep.equal([]);
    leadership.terms.gain();
    leadership.terms.lose('connection-lost');
    leadership.terms.gain();
    leadership.terms.gain();
    await settle();
    expect(duty.steps).to.deep.equal(['start', 'stop', 'start']);
    await guard.stop();
    expect(duty.steps).to.deep.equal(['start', 'stop', 'start', 'stop']);
    // Ended: a later gain starts nothing.
    leadership.terms.lose('connection-lost');
    leadership.terms.gain();
    await settle();
    expect(duty.steps).to.have.length(4);
  });

  it('starts at once when the process leads already (solo), and a failing step does not stop the next', async () => {
    const leadership = new HandLeadership();
    leadership.terms.gain();
    const steps: string[] = [];
    const guard = whileLeading(
      leadership,
      {
        name: 'monitoring',
        start: () => {
          steps.push('start');
          throw new Error('cron refused the schedule');
        },
        stop: async () => void steps.push('stop'),
      },
      log,
    );
    leadership.terms.lose('connection-lost');
    await guard.stop();
    expect(steps).to.deep.equal(['start', 'stop']);
    expect(logs.text()).to.include('"duty":"monitoring"').and.include('"step":"start"');
  });
});
