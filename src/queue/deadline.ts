export type DeadlineOutcome<T> = { kind: 'ok'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * Runs work (a queued job's handler, a plugin's hook) with a time limit. The caller stops waiting
 * at the deadline and aborts the call's signal; JavaScript cannot kill the call itself, so code
 * that ignores its signal keeps running in the background, but nothing waits for it. Real time
 * on purpose: a hang is measured by the wall clock, not by the node's (possibly manual) Clock.
 */
export async function runWithDeadline<T>(fn: (signal: AbortSignal) => T | Promise<T>, timeoutMs: number, parent?: AbortSignal): Promise<DeadlineOutcome<T>> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DeadlineOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const call = (async (): Promise<DeadlineOutcome<T>> => {
    try {
      return { kind: 'ok', value: await fn(controller.signal) };
    } catch (error) {
      return { kind: 'error', error };
    }
  })();
  try {
    const outcome = await Promise.race([call, timeout]);
    if (outcome.kind === 'timeout') controller.abort(new Error('time limit reached'));
    return outcome;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
