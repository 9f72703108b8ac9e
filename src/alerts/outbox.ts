import crypto from 'node:crypto';
import type { AuditEntry } from '../audit/audit-trail.js';
import type { DestinationConfig, EscalationConfig } from '../config/sections/alerts.js';
import { VigilError } from '../core/errors.js';
import type { ChangeFeed, ChangeType } from '../store/changes.js';
import type { Db } from '../db/database.js';
import { lockForTransaction } from '../db/dialect.js';
import type { Finding } from '../domain/finding.js';
import type { AlertStore } from './alert-store.js';
import type { Clock } from '../core/clock.js';
import type { DeliveryStore } from './delivery-store.js';
import type { DestinationRegistry } from './destinations.js';
import { conceptKey, DELIVERY_KINDS, type Alert } from './model.js';
import { PRIORITY_RANK } from '../domain/priority.js';
import { destinationsFor } from './routing.js';

export type EnqueueResult =
  | { outcome: 'created'; alert: Alert; deliveries: number[]; superseded: string | null }
  /** The standing alert already says this (same study, concept, model version and result). */
  | { outcome: 'unchanged'; alertId: string }
  /** A negative finding withdrew the standing alert; these deliveries tell its destinations. */
  | { outcome: 'withdrawn'; alertId: string; deliveries: number[] }
  /** No destination wants this finding. */
  | { outcome: 'not-routed' };

export interface OutboxObserver {
  /** These destinations have new deliveries. */
  work?(destinationIds: string[]): void;
  created?(alert: Alert): void;
  acknowledged?(alert: Alert): void;
  withdrawn?(alert: Alert): void;
}

export interface OutboxDeps {
  db: Db;
  alerts: AlertStore;
  deliveries: DeliveryStore;
  destinations: DestinationRegistry;
  changes: ChangeFeed;
  escalation: EscalationConfig;
  clock: Clock;
  /** The audit trail: escalations are acts of the node itself and are written there too. */
  audit?: { record(entry: AuditEntry, at?: number): number } | undefined;
}

/**
 * The durable outbox. Every method is synchronous and runs in one SQLite transaction (nested
 * as a savepoint when the caller has one open), so an alert is written together with the
 * finding that caused it, and each change of state together with its /changes entry. The
 * sender is woken after the fact; if the process dies first, it finds the rows at start.
 */
export class Outbox {
  private readonly observers = new Set<OutboxObserver>();

  constructor(private readonly deps: OutboxDeps) {}

  /**
   * Turns a finding into an alert and its deliveries. One alert stands per study, finding
   * concept and model version. A later finding on the same series (a new version of it) says
   * what its result now is: the same result changes nothing; a changed positive result
   * (critical or priority) supersedes the standing alert, cancels what of it is still unsent
   * and goes as a correction of the same result (same result id) to this finding's
   * destinations and to every destination that had the standing alert; a negative withdraws
   * the standing alert (see withdraw). A finding on another series of the study (another
   * reconstruction, say) only ever raises the alert: a weaker result or a negative there does
   * not take back what the model found here. Nor does a negative withdraw an alert that
   * findings on more than one series raised: the others still stand. A shadow finding (a pack
   * version IT has not made live) is never routed.
   */
  enqueueForFinding(finding: Finding): EnqueueResult {
    // A shadow pack version alerts nobody, and its negatives withdraw nothing a live one raised.
    if (finding.mode === 'shadow') return { outcome: 'not-routed' };
    // A result on part of a series (an early run) alerts only when positive and critical; its
    // negatives say nothing (the rest of the series may show the finding).
    if (finding.preliminary && !(finding.positive && finding.critical)) return { outcome: 'not-routed' };
    const { alerts, deliveries, destinations, clock } = this.deps;
    const targets = destinationsFor(finding, destinations.configs());
    let toWake: string[] = [];
    const result = this.deps.db.transaction((): EnqueueResult => {
      // One live alert per study, concept and model version, however many nodes store findings at once.
      lockForTransaction(this.deps.db, `alert:${finding.studyInstanceUid}:${conceptKey(finding.concept)}:${finding.modelVersion}`);
      const standing = alerts.live(finding);
      // A standing result is neither raised nor confirmed by part of a series: the final run decides.
      if (finding.preliminary && standing) return { outcome: 'unchanged', alertId: standing.id };
      if (standing && standing.finding.seriesInstanceUid !== finding.seriesInstanceUid && !moreSevere(finding, standing.finding)) {
        return { outcome: 'unchanged', alertId: standing.id };
      }
      if (!finding.positive) {
        if (!standing) return { outcome: 'not-routed' };
        if (!raisedOnOneSeries(alerts.history(finding))) return { outcome: 'unchanged', alertId: standing.id };
        const holders = this.holders(standing);
        toWake = holders.map((d) => d.id);
        return this.withdraw(standing, finding, holders);
      }
      // The complete series says what its early run said: the result becomes final (one final
      // message to the same destinations, under the same result id), not a second alert.
      const confirms = standing !== undefined && standing.finding.preliminary === true && !finding.preliminary && sameResult(standing.finding, finding);
      if (standing && !confirms && sameResult(standing.finding, finding)) return { outcome: 'unchanged', alertId: standing.id };
      const recipients = union(targets, standing ? this.holders(standing) : []);
      if (recipients.length === 0) return { outcome: 'not-routed' };
      toWake = recipients.map((d) => d.id);
      const now = clock.now();
      const id = crypto.randomUUID();
      // A result withdrawn earlier and now positive again is still the same result to a receiver.
      const previous = standing ?? alerts.history(finding)[0];
      if (standing) {
        alerts.supersede(standing.id, id);
        deliveries.cancelPending(standing.id, `superseded by alert ${id}`);
        this.change('alert-superseded', standing.id, { by: id }, now);
      }
      const firstLevel = this.deps.escalation.levels[0];
      const escalateAt = finding.critical && firstLevel ? now + firstLevel.afterMs : null;
      // A confirmation keeps where the preliminary alert stood: its escalation clock, and its acknowledgement.
      alerts.insert({
        id,
        finding,
        escalateAt: confirms ? standing.escalateAt : escalateAt,
        createdAt: now,
        resultId: previous?.resultId ?? id,
        replaces: standing?.id ?? null,
        confirms,
      });
      if (confirms) this.carryOver(standing, id);
      const seqs = recipients.map((d) =>
        deliveries.insert({
          alertId: id,
          destinationId: d.id,
          channel: d.type,
          kind: 'alert',
          escalationLevel: null,
          idempotencyKey: newKey(),
          createdAt: now,
        }),
      );
      this.change('alert-created', id, { findingId: finding.id, critical: finding.critical, destinations: recipients.map((d) => d.id) }, now);
      return { outcome: 'created', alert: alerts.get(id)!, deliveries: seqs, superseded: standing?.id ?? null };
    })();
    if (result.outcome === 'created') {
      const alert = result.alert;
      this.after((o) => o.created?.(alert));
    }
    if (result.outcome === 'withdrawn') {
      const alert = alerts.get(result.alertId)!;
      this.after((o) => o.withdrawn?.(alert));
    }
    if (toWake.length > 0) this.wake(toWake);
    return result;
  }

  /** A radiologist took the alert: escalation stops. CONFLICT when it is not open. */
  acknowledge(alertId: string, by: string, note: string | null): Alert {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(() => {
      const alert = this.require(alertId);
      if (!this.deps.alerts.acknowledge(alertId, now, by, note)) {
        throw new VigilError('CONFLICT', `the alert is ${alert.state}, not open`, { extra: { state: alert.state } });
      }
      this.change('alert-acknowledged', alertId, { by }, now);
      const acknowledged = this.deps.alerts.get(alertId)!;
      this.after((o) => o.acknowledged?.(acknowledged));
      return acknowledged;
    })();
  }

  /**
   * Puts the dead deliveries of an alert back in line (in their original order). Of a
   * withdrawn alert only the withdrawals: its result must not go out again. A superseded
   * alert's result no longer stands at all (its successor went to its destinations): CONFLICT.
   */
  retry(alertId: string, by: string): number {
    const now = this.deps.clock.now();
    const n = this.deps.db.transaction(() => {
      const alert = this.require(alertId);
      if (alert.state === 'superseded') {
        throw new VigilError('CONFLICT', `the alert was superseded by ${alert.supersededBy}; its result no longer stands`, { extra: { state: alert.state } });
      }
      const count = this.deps.deliveries.retryDead(alertId, now, alert.state === 'withdrawn' ? ['withdrawal'] : DELIVERY_KINDS);
      if (count > 0) this.change('alert-retried', alertId, { by, deliveries: count }, now);
      return count;
    })();
    if (n > 0) this.wake(this.deps.deliveries.ofAlert(alertId).map((d) => d.destinationId));
    return n;
  }

  /** Cancels what of an alert is not yet delivered. */
  cancel(alertId: string, by: string): number {
    const now = this.deps.clock.now();
    return this.deps.db.transaction(() => {
      this.require(alertId);
      const count = this.deps.deliveries.cancelPending(alertId, `cancelled by ${by}`);
      if (count > 0) this.change('alert-cancelled', alertId, { by, deliveries: count }, now);
      return count;
    })();
  }

  /**
   * Escalates one alert to its next level, if it is still open and due: deliveries to that
   * level's destinations, the time of the level after, and the /changes entry, together.
   */
  escalate(alertId: string, now: number): { level: number; deliveries: number[] } | undefined {
    const { levels } = this.deps.escalation;
    const result = this.deps.db.transaction(() => {
      const alert = this.deps.alerts.get(alertId);
      if (!alert || alert.state !== 'open' || alert.escalateAt === null || alert.escalateAt > now) return undefined;
      const level = alert.escalationLevel;
      const spec = levels[level];
      if (!spec) {
        this.deps.alerts.setEscalation(alertId, level, null);
        return undefined;
      }
      const seqs: number[] = [];
      for (const id of spec.destinations) {
        const dest = this.deps.destinations.get(id)?.config;
        if (!dest) continue; // reported at start and refused on removal; never blocks the others
        if (dest.use === 'operational') continue; // refused at start: never a patient alert
        seqs.push(
          this.deps.deliveries.insert({
            alertId,
            destinationId: id,
            channel: dest.type,
            kind: 'escalation',
            escalationLevel: level + 1,
            idempotencyKey: newKey(),
            createdAt: now,
          }),
        );
      }
      const next = levels[level + 1];
      this.deps.alerts.setEscalation(alertId, level + 1, next ? alert.createdAt + next.afterMs : null);
      this.change('alert-escalated', alertId, { level: level + 1, destinations: spec.destinations }, now);
      this.deps.audit?.record(
        {
          tokenName: 'system:escalation',
          role: null,
          address: null,
          method: 'SYSTEM',
          route: 'alerts/escalate',
          params: { alertId, level: String(level + 1), destinations: spec.destinations.join(',') },
          resources: [alertId, alert.studyId],
          status: 200,
        },
        now,
      );
      return { level: level + 1, deliveries: seqs };
    })();
    if (result) this.wake(levels[result.level - 1]!.destinations);
    return result;
  }

  /** The confirming alert takes over the preliminary one's escalation level and acknowledgement. */
  private carryOver(preliminary: Alert, id: string): void {
    const { alerts } = this.deps;
    alerts.setEscalation(id, preliminary.escalationLevel, preliminary.state === 'open' ? preliminary.escalateAt : null);
    if (preliminary.acknowledgedAt !== null && preliminary.acknowledgedBy !== null) {
      alerts.acknowledge(id, preliminary.acknowledgedAt, preliminary.acknowledgedBy, preliminary.acknowledgementNote);
    }
  }

  /**
   * A later finding of the same model, concept and series is negative: the standing alert no
   * longer stands. Escalation stops, what of it is unsent is cancelled, and every destination
   * that may hold it gets a withdrawal, so that no RIS, EHR, PACS or pager keeps a critical result
   * the model has taken back. An acknowledged alert is withdrawn too: the radiologist has it, but
   * the systems that hold the result must hear of the change.
   */
  private withdraw(standing: Alert, finding: Finding, holders: DestinationConfig[]): EnqueueResult {
    const { alerts, deliveries, clock } = this.deps;
    const now = clock.now();
    alerts.withdraw(standing.id, finding, now);
    deliveries.cancelPending(standing.id, `withdrawn by finding ${finding.id}`);
    const seqs = holders.map((d) =>
      deliveries.insert({
        alertId: standing.id,
        destinationId: d.id,
        channel: d.type,
        kind: 'withdrawal',
        escalationLevel: null,
        idempotencyKey: newKey(),
        createdAt: now,
      }),
    );
    this.change('alert-withdrawn', standing.id, { findingId: finding.id, destinations: holders.map((d) => d.id) }, now);
    return { outcome: 'withdrawn', alertId: standing.id, deliveries: seqs };
  }

  /**
   * The destinations that may hold an alert: every one Vigil tried to tell (an attempt counts
   * from its start, so one in flight, or one that failed after the peer took it, is included).
   * One whose deliveries were cancelled before any attempt never had it and needs no correction.
   * Removed or disabled destinations are left out.
   */
  private holders(alert: Alert): DestinationConfig[] {
    const ids = new Set(
      this.deps.deliveries
        .ofAlert(alert.id)
        .filter((d) => d.attempts > 0)
        .map((d) => d.destinationId),
    );
    return [...ids].map((id) => this.deps.destinations.get(id)?.config).filter((d): d is DestinationConfig => d !== undefined && d.enabled);
  }

  /** Observers are called after the transaction (the sender: `work`; metrics: the rest). */
  observe(observer: OutboxObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Writes a delivery's change of state to /changes (the sender's outcomes). */
  change(type: ChangeType, alertId: string, data: Record<string, unknown>, at: number): void {
    this.deps.changes.append(type, 'alert', alertId, data, at);
  }

  private require(alertId: string): Alert {
    const alert = this.deps.alerts.get(alertId);
    if (!alert) throw new VigilError('NOT_FOUND', 'no such alert');
    return alert;
  }

  private wake(destinationIds: string[]): void {
    this.after((o) => o.work?.(destinationIds));
  }

  /** After the caller's transaction (a microtask): observers read committed rows. */
  private after(call: (o: OutboxObserver) => void): void {
    queueMicrotask(() => {
      for (const o of this.observers) call(o);
    });
  }
}

/** Destinations of both lists, each once, in first-seen order. */
function union(a: readonly DestinationConfig[], b: readonly DestinationConfig[]): DestinationConfig[] {
  const seen = new Set<string>();
  return [...a, ...b].filter((d) => !seen.has(d.id) && seen.add(d.id));
}

/** a would raise the alert above b: positive where b is not, critical where b is not, or a higher priority. */
function moreSevere(a: Finding, b: Finding): boolean {
  const rank = (f: Finding) => [Number(f.positive), Number(f.critical), PRIORITY_RANK[f.priority]];
  const [ra, rb] = [rank(a), rank(b)];
  const i = ra.findIndex((v, k) => v !== rb[k]);
  return i >= 0 && ra[i]! > rb[i]!;
}

/**
 * The alerts since the last withdrawal (newest first, the standing one at the head) were all
 * raised by findings on one series, so a negative there takes the result back entirely.
 */
function raisedOnOneSeries(history: readonly Alert[]): boolean {
  const withdrawn = history.findIndex((a) => a.state === 'withdrawn');
  const sinceWithdrawal = withdrawn === -1 ? history : history.slice(0, withdrawn);
  return new Set(sinceWithdrawal.map((a) => a.finding.seriesInstanceUid)).size === 1;
}

/** What "the result changes" means for one alert per study, concept and model version. */
function sameResult(a: Finding, b: Finding): boolean {
  return a.positive === b.positive && a.critical === b.critical && a.priority === b.priority;
}

/** 16 hex characters: short enough for an HL7 control id (MSH-10, 20 characters) with a step suffix. */
function newKey(): string {
  return crypto.randomBytes(8).toString('hex');
}
