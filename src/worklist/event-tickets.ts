import crypto from 'node:crypto';
import type { Auth } from '../auth/token-store.js';

/** Tickets waiting to be used, at most; the oldest go first beyond it. */
const MAX_OUTSTANDING = 10_000;

/**
 * Tickets for GET /worklist/events. A browser's EventSource cannot send an Authorization
 * header, and the bearer token must never travel in a URL (URLs end up in proxy logs, history
 * and Referer headers). So a client that holds a token asks for a ticket with it (POST
 * /worklist/events/tickets) and opens the stream with `?ticket=`. A ticket:
 * - is 256 random bits, kept only as its SHA-256 (a dump of memory does not give live tickets);
 * - opens one stream, once, within a few seconds (config worklist.events.ticketSeconds);
 * - carries the token's name and role, which the stream is then audited and checked under.
 * A ticket seen in a log afterwards is spent or expired. The stream itself ends after
 * worklist.events.maxStreamSeconds, and the page needs its token again for the next ticket,
 * so a revoked token stops getting updates within that time.
 */
export class EventTickets {
  private readonly waiting = new Map<string, { auth: Auth; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  issue(auth: Auth): { ticket: string; expiresAt: number } {
    this.sweep();
    const ticket = crypto.randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.waiting.set(digest(ticket), { auth: { ...auth }, expiresAt });
    return { ticket, expiresAt };
  }

  /** Who the ticket was issued to, once; undefined when it is unknown, spent or expired. */
  redeem(ticket: string): Auth | undefined {
    const key = digest(ticket);
    const entry = this.waiting.get(key);
    if (!entry) return undefined;
    this.waiting.delete(key);
    return entry.expiresAt >= this.now() ? entry.auth : undefined;
  }

  get outstanding(): number {
    return this.waiting.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.waiting) if (entry.expiresAt < now) this.waiting.delete(key);
    // Map keeps insertion order: the first keys are the oldest.
    for (const key of this.waiting.keys()) {
      if (this.waiting.size < MAX_OUTSTANDING) break;
      this.waiting.delete(key);
    }
  }
}

function digest(ticket: string): string {
  return crypto.createHash('sha256').update(ticket).digest('base64url');
}
