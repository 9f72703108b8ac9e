/** Lets pending promise callbacks and I/O callbacks run (after a ManualClock advance, say). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Polls `check` until it returns something truthy (tests of real sockets and processes);
 * fails naming `what` after `limitMs`. A bound on waiting, not a timed assertion.
 */
export async function eventually<T>(check: () => T | undefined | false | null | '', what: string, limitMs = 10_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`still waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `eventually` for a check that has to wait for something itself (an HTTP request). */
export async function eventuallyAsync<T>(check: () => Promise<T | undefined | false | null | ''>, what: string, limitMs = 10_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`still waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
