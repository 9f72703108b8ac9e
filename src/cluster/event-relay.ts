import type pg from 'pg';
import { backoffDelay, type BackoffPolicy } from '../core/backoff.js';
import { systemClock } from '../core/clock.js';
import { isVigilError } from '../core/errors.js';
import type { EventBus } from '../events/bus.js';
import type { LiveChangeEvent } from '../events/types.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../log/describe-error.js';
import { closeQuietly, dedicatedClient, type ClusterDatabase } from './connection.js';
import { decodeRelayMessage, encodeLiveChange, encodeResync, RELAY_CHANNEL } from './relay-wire.js';

/** Reconnecting the listener: 500 ms doubling to 30 s, half-jittered so nodes do not return in step. */
export const RELAY_RECONNECT: BackoffPolicy = { initialMs: 500, factor: 2, maxMs: 30_000, jitter: 'half' };

export interface EventRelayOptions {
  /** This node's id, unique in the cluster: it tags what this node sends and spots its own echo. */
  nodeId: string;
  bus: EventBus;
  log: Logger;
  reconnect?: BackoffPolicy;
  random?: () => number;
}

/**
 * Carries the changes live views show between the nodes of a cluster, over PostgreSQL's
 * LISTEN/NOTIFY on one dedicated connection.
 *
 * Out: every 'live-change' of the local bus is sent with pg_notify, as its kind and study id
 * tagged with this node's id (relay-wire.ts builds the message field by field, so nothing else
 * of the event can leave). In: a message of another node is emitted on the local bus as
 * 'remote-live-change', an event only live views listen to, which the relay itself does not
 * send on: no echo, no loop, no work done twice. Its own messages, which PostgreSQL delivers to
 * its session too, it drops by node id.
 *
 * Best effort, by design: a change made while the connection is down is lost, not queued (a
 * live view only needs to know that it should reload). After a reconnect the relay emits
 * 'live-resync' so that views reload, and when it lost changes of its own it sends 'resync' so
 * that the other nodes' views reload too.
 */
export class PostgresEventRelay {
  private client: pg.Client | undefined;
  /** Set once `client` listens; sends go only through a listening session. */
  private listening = false;
  private cancelTimer: (() => void) | undefined;
  private connecting: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private failures = 0;
  private listenedBefore = false;
  /** Local changes not sent since the connection was lost: the others must reload. */
  private unsent = 0;
  private stopped = false;

  constructor(
    private readonly database: ClusterDatabase,
    private readonly opts: EventRelayOptions,
  ) {}

  /** True while the relay listens (and can send). */
  get connected(): boolean {
    return this.client !== undefined && this.listening;
  }

  start(): void {
    if (this.unsubscribe || this.stopped) return;
    this.unsubscribe = this.opts.bus.on('live-change', (change) => this.relayLocal(change));
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.cancelTimer?.();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    if (client) await closeQuietly(client);
  }

  /**
   * Sends one local change to the other nodes. Throws CLUSTER_EVENT_TOO_LARGE (nothing is sent)
   * when the message would not fit a notification; resolves false when the connection is down
   * (the change is lost for the others, who are told to reload once it is back).
   */
  async publish(change: LiveChangeEvent): Promise<boolean> {
    const payload = encodeLiveChange(this.opts.nodeId, change);
    return this.send(payload);
  }

  private relayLocal(change: LiveChangeEvent): void {
    let sending: Promise<boolean>;
    try {
      sending = this.publish(change);
    } catch (err) {
      this.refused(err);
      return;
    }
    sending.catch((err: unknown) => this.refused(err));
  }

  private refused(err: unknown): void {
    // describeError gives code and fixed text; the event itself is never logged.
    if (isVigilError(err)) this.opts.log.warn('live change not relayed to the other nodes', { code: err.code, error: describeError(err), ...err.extra });
    else this.opts.log.warn('live change not relayed to the other nodes', { error: describeError(err) });
  }

  private async send(payload: string): Promise<boolean> {
    const client = this.client;
    if (!client || !this.listening) {
      this.unsent++;
      return false;
    }
    try {
      await client.query('SELECT pg_notify($1, $2)', [RELAY_CHANNEL, payload]);
      return true;
    } catch (err) {
      // The connection broke under the query: its 'end' reconnects; the others will reload.
      this.unsent++;
      this.opts.log.debug('live change not relayed: the connection is down', { error: describeError(err) });
      return false;
    }
  }

  private schedule(ms: number): void {
    this.cancelTimer = systemClock.setTimer(() => {
      this.connecting = this.listen().finally(() => (this.connecting = undefined));
    }, ms);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = dedicatedClient(this.database, `vigil relay ${this.opts.nodeId}`);
    client.on('notification', (msg) => {
      if (msg.channel === RELAY_CHANNEL) this.received(msg.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${RELAY_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.stopped || client !== this.client) return;
    this.listening = true;
    // Views open while the relay could not listen (lost, or not there yet at start) missed changes.
    const reconnected = this.listenedBefore || this.failures > 0;
    this.failures = 0;
    this.listenedBefore = true;
    if (reconnected) {
      this.opts.log.info('live event relay listening again: live views reload');
      this.opts.bus.emit('live-resync', { reason: 'reconnected' });
    }
    if (this.unsent > 0) {
      const lost = this.unsent;
      this.unsent = 0;
      this.opts.log.warn('live changes of this node were not relayed while the connection was down: the other nodes reload', { lost });
      void this.send(encodeResync(this.opts.nodeId));
    }
  }

  private received(payload: string): void {
    let message;
    try {
      message = decodeRelayMessage(payload);
    } catch (err) {
      this.opts.log.warn('relayed event dropped', { error: describeError(err), bytes: Buffer.byteLength(payload, 'utf8') });
      return;
    }
    if (message.node === this.opts.nodeId) return;
    if (message.type === 'resync') {
      this.opts.bus.emit('live-resync', { reason: 'peer-reconnected' });
      return;
    }
    const { kind, studyId, stat } = message;
    this.opts.bus.emit('remote-live-change', { kind, studyId, ...(stat && { stat }), fromNode: message.node });
  }

  /** The listening session is gone (or never came): drop it and listen again after a back-off. */
  private lost(client: pg.Client, err: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.listening = false;
    void closeQuietly(client);
    if (this.stopped) return;
    this.failures++;
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.opts.log.warn('live event relay lost its connection, listening again after a back-off; changes meanwhile are lost', {
        failures: this.failures,
        ...(err !== undefined && { error: describeError(err) }),
      });
    }
    this.cancelTimer?.();
    this.schedule(backoffDelay(this.failures, this.opts.reconnect ?? RELAY_RECONNECT, this.opts.random));
  }
}
