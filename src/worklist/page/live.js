// The live stream: a one-time ticket (asked for with the token), then an EventSource on it.
// A ticket opens one stream only, so every reconnection asks for a new one; EventSource's own
// retry would reuse a spent ticket, so the stream is closed and reopened here instead.

import { api, ApiError } from './api.js';

const MAX_BACKOFF_MS = 15_000;

/**
 * onChange(notice | null) is called for each change and with null once per (re)connection and
 * at each `resync`: changes made while disconnected are not replayed, so the list must be
 * fetched again.
 * onState('connecting' | 'live' | 'off') drives the indicator; onUnauthorized() when the
 * token no longer works.
 */
export function connectLive({ onChange, onState, onUnauthorized }) {
  let source = null;
  let stopped = false;
  let backoff = 500;
  let timer = null;

  async function open() {
    if (stopped) return;
    onState('connecting');
    let ticket;
    try {
      ticket = await api.ticket();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        onState('off');
        onUnauthorized();
        return;
      }
      return retry();
    }
    if (stopped) return;
    source = new EventSource(ticket.url);
    source.addEventListener('hello', () => {
      backoff = 500;
      onState('live');
      onChange(null);
    });
    source.addEventListener('worklist', (e) => onChange(JSON.parse(e.data)));
    // Changes may have been missed (the node's cluster relay was cut off): fetch everything again.
    source.addEventListener('resync', () => onChange(null));
    source.addEventListener('bye', () => reopen());
    source.onerror = () => reopen();
  }

  function reopen() {
    source?.close();
    source = null;
    retry();
  }

  function retry() {
    if (stopped) return;
    onState('connecting');
    clearTimeout(timer);
    timer = setTimeout(open, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
    onState('off');
  };
}
