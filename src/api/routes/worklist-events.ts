import { Router, type RequestHandler } from 'express';
import { VigilError } from '../../core/errors.js';
import type { WorklistNotice } from '../../worklist/live.js';
import { allow } from '../../auth/allow.js';
import { parseQuery } from '../query.js';
import type { ApiDeps } from '../deps.js';

/** A client that reads slower than this much is behind: its stream ends and it reconnects. */
const MAX_BUFFERED_BYTES = 256 * 1024;

/**
 * GET /worklist/events?ticket=…: the worklist's Server-Sent Events. Mounted before the bearer
 * check, because a browser's EventSource cannot send headers: the ticket (one use, seconds to
 * live, from POST /worklist/events/tickets with the bearer token; see
 * src/worklist/event-tickets.ts) stands for the token, and the roles and the audit trail apply
 * as on any route.
 *
 * Each event names a study and what happened, never patient data; the client fetches
 * GET /worklist again, where its role decides what it sees. `hello` opens the stream (fetch
 * now: changes made while disconnected are not replayed); `worklist` is a change (this node's
 * or, in a cluster, another node's); `resync` says changes may have been missed (the cluster's
 * relay was cut off) and the client fetches again; `bye` says the stream ends (maximum age, or
 * the node stopping) and the client reconnects with a new ticket.
 */
export function worklistEventRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/worklist/events', redeemTicket(deps), allow('radiologist', 'service'), (req, res) => {
    const part = deps.worklist!;
    const { heartbeatSeconds, maxStreamSeconds } = deps.config.worklist.events;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold events back in a buffer.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    let open = true;
    const send = (text: string): void => {
      if (!open) return;
      res.write(text);
      if (res.writableLength > MAX_BUFFERED_BYTES) finish('behind');
    };
    const event = (name: string, data: unknown, id?: number): void =>
      send(`${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    const heartbeat = setInterval(() => send(': keep-alive\n\n'), heartbeatSeconds * 1000);
    const maxAge = setTimeout(() => finish('max-age'), maxStreamSeconds * 1000);
    const unsubscribe = part.live.subscribe({
      notice: (n: WorklistNotice) => event('worklist', n, n.seq),
      end: () => finish('stopping'),
      resync: () => event('resync', {}),
    });
    function finish(reason: 'max-age' | 'stopping' | 'behind' | 'closed'): void {
      if (!open) return;
      if (reason !== 'closed' && reason !== 'behind') event('bye', { reason });
      open = false;
      clearInterval(heartbeat);
      clearTimeout(maxAge);
      unsubscribe();
      res.end();
    }
    req.on('close', () => finish('closed'));
    // How long to wait before reconnecting after a dropped connection, then the first event.
    send('retry: 2000\n\n');
    event('hello', { maxStreamSeconds });
  });
  return router;
}

/** Sets req.auth from a valid ticket, or answers 401; never looks at an Authorization header. */
function redeemTicket(deps: ApiDeps): RequestHandler {
  return (req, res, next) => {
    if (!deps.worklist) throw new VigilError('NOT_FOUND', 'the worklist is not part of this node');
    const { ticket } = parseQuery(req, { ticket: 'string' });
    if (ticket === undefined) {
      throw new VigilError('UNAUTHORIZED', 'open the stream with ?ticket= from POST /worklist/events/tickets (EventSource cannot send a bearer token)');
    }
    const auth = deps.worklist.tickets.redeem(ticket);
    if (!auth) throw new VigilError('UNAUTHORIZED', 'the ticket is unknown, used or expired: ask for a new one');
    req.auth = auth;
    next();
  };
}
