import { expect } from 'chai';
import { FailureThrottle } from '../../../src/api/auth/failure-throttle.js';

describe('api/auth/failure-throttle', () => {
  const config = { delayAfter: 2, blockAfter: 5, windowSeconds: 60, maxDelayMs: 1000 };
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers the first failures at once, then ever more slowly up to the maximum', () => {
    const throttle = new FailureThrottle(config, clock);
    const delays = [1, 2, 3, 4, 5, 6].map(() => throttle.failed('10.0.0.1'));
    expect(delays).to.deep.equal([0, 0, 250, 500, 1000, 1000]);
  });

  it('blocks an address past blockAfter until its window ends, leaving others alone', () => {
    const throttle = new FailureThrottle(config, clock);
    for (let i = 0; i < 5; i++) throttle.failed('10.0.0.1');
    expect(throttle.check('10.0.0.1')).to.deep.equal({ kind: 'blocked', retryAfterSeconds: 60 });
    expect(throttle.check('10.0.0.2')).to.deep.equal({ kind: 'pass' });
    now += 59_500;
    expect(throttle.check('10.0.0.1')).to.deep.equal({ kind: 'blocked', retryAfterSeconds: 1 });
    now += 500;
    expect(throttle.check('10.0.0.1')).to.deep.equal({ kind: 'pass' });
    expect(throttle.failures('10.0.0.1')).to.equal(0);
  });

  it('takes back a failure counted before its verdict when the token checks out', () => {
    const throttle = new FailureThrottle(config, clock);
    for (let i = 0; i < 5; i++) throttle.failed('10.0.0.1');
    expect(throttle.check('10.0.0.1').kind).to.equal('blocked');
    throttle.forgive('10.0.0.1');
    expect(throttle.failures('10.0.0.1')).to.equal(4);
    expect(throttle.check('10.0.0.1')).to.deep.equal({ kind: 'pass' });
    throttle.forgive('10.0.0.9');
    expect(throttle.failures('10.0.0.9')).to.equal(0);
  });
});
