import { expect } from 'chai';
import { retryDelay } from '../../src/alerts/backoff.js';
import { CircuitBreaker } from '../../src/alerts/circuit-breaker.js';
import { failurePolicy } from '../../src/alerts/failure-policy.js';
import { VigilError } from '../../src/core/errors.js';

describe('alerts/backoff, circuit breaker and failure policy', () => {
  const backoff = { initialMs: 1000, maxMs: 60_000, factor: 2 };

  it('doubles from initialMs up to maxMs, jittered into [d/2, d]', () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, backoff, () => 1))).to.deep.equal([1000, 2000, 4000, 8000]);
    expect(retryDelay(3, backoff, () => 0)).to.equal(2000);
    expect(retryDelay(30, backoff, () => 1)).to.equal(60_000);
    expect(retryDelay(30, backoff, () => 0)).to.equal(30_000);
  });

  it('opens after the threshold, half-opens after the cool-down, reopens on a failed trial', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 });
    b.failure(0, 'X');
    expect(b.state(0)).to.equal('closed');
    b.failure(10, 'X');
    expect([b.state(10), b.waitMs(10)]).to.deep.equal(['open', 100]);
    expect(b.state(110)).to.equal('half-open');
    b.failure(110, 'Y');
    expect([b.state(110), b.lastCode]).to.deep.equal(['open', 'Y']);
    b.success();
    expect([b.state(110), b.consecutiveFailures]).to.deep.equal(['closed', 0]);
  });

  it('decides on codes: outages retry and trip the breaker, refusals are dead letters', () => {
    expect(failurePolicy(new VigilError('MLLP_CONNECT_FAILED', 'x'))).to.deep.equal({ retry: true, destinationDown: true });
    expect(failurePolicy(new VigilError('ALERT_NACK_ERROR', 'x'))).to.deep.equal({ retry: true, destinationDown: false });
    expect(failurePolicy(new VigilError('ALERT_NACK_REJECT', 'x')).retry).to.equal(false);
    expect(failurePolicy(new VigilError('ALERT_HTTP_REJECTED', 'x')).retry).to.equal(false);
    expect(failurePolicy(new Error('a bug')).retry).to.equal(true);
  });
});
