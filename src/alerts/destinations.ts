import { destinationSchema, operationalProblem, type DestinationConfig, type EscalationConfig } from '../config/sections/alerts.js';
import { VigilError } from '../core/errors.js';
import type { Db } from '../db/database.js';

/** Where a destination was defined: the config file (read-only over the API) or the API. */
export type DestinationSource = 'config' | 'api';

export interface RegisteredDestination {
  config: DestinationConfig;
  source: DestinationSource;
}

/**
 * The destinations alerts can go to: those of the config file plus those IT added over the
 * API (kept in the index). Every definition passes the same schema, whichever way it came.
 */
export class DestinationRegistry {
  private readonly fromApi = new Map<string, DestinationConfig>();
  private readonly listeners = new Set<() => void>();
  private readonly stmts;

  constructor(
    db: Db,
    private readonly fromConfig: readonly DestinationConfig[],
    private readonly escalation: EscalationConfig,
  ) {
    this.stmts = {
      all: db.prepare<[], { id: string; definition: string }>('SELECT id, definition FROM alert_destinations ORDER BY id'),
      upsert: db.prepare(
        `INSERT INTO alert_destinations (id, definition, created_at, updated_at) VALUES (@id, @definition, @now, @now)
         ON CONFLICT (id) DO UPDATE SET definition = @definition, updated_at = @now`,
      ),
      remove: db.prepare('DELETE FROM alert_destinations WHERE id = ?'),
    };
    for (const row of this.stmts.all.all()) {
      const parsed = destinationSchema.safeParse(JSON.parse(row.definition));
      // A stored definition that no longer passes the schema is reported at start, not skipped.
      if (!parsed.success)
        throw new VigilError('CONFIG_INVALID', `stored alert destination "${row.id}" is no longer valid: ${parsed.error.issues[0]?.message}`);
      if (this.fromConfig.some((d) => d.id === row.id)) {
        throw new VigilError('CONFIG_INVALID', `alert destination "${row.id}" is defined both in the config file and over the API`);
      }
      this.fromApi.set(row.id, parsed.data);
    }
  }

  all(): RegisteredDestination[] {
    return [
      ...this.fromConfig.map((config) => ({ config, source: 'config' as const })),
      ...[...this.fromApi.values()].map((config) => ({ config, source: 'api' as const })),
    ];
  }

  configs(): DestinationConfig[] {
    return this.all().map((d) => d.config);
  }

  get(id: string): RegisteredDestination | undefined {
    return this.all().find((d) => d.config.id === id);
  }

  /** Escalation levels naming operational destinations: those never receive a patient alert. */
  operationalEscalationTargets(): string[] {
    const operational = new Set(
      this.all()
        .filter((d) => d.config.use === 'operational')
        .map((d) => d.config.id),
    );
    return [...new Set(this.escalation.levels.flatMap((l) => l.destinations))].filter((id) => operational.has(id));
  }

  /** Escalation levels naming destinations that do not exist (checked at start and on removal). */
  unknownEscalationTargets(): string[] {
    const ids = new Set(this.all().map((d) => d.config.id));
    return [...new Set(this.escalation.levels.flatMap((l) => l.destinations))].filter((id) => !ids.has(id));
  }

  /** Adds or replaces a destination defined over the API. */
  put(input: unknown, now: number, expectedId?: string): DestinationConfig {
    const parsed = destinationSchema.safeParse(input);
    if (!parsed.success) {
      throw new VigilError('BAD_REQUEST', 'the destination is not valid', {
        extra: { problems: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
      });
    }
    const dest = parsed.data;
    const problem = operationalProblem(dest);
    if (problem) throw new VigilError('BAD_REQUEST', 'the destination is not valid', { extra: { problems: [{ path: 'use', message: problem }] } });
    if (expectedId !== undefined && dest.id !== expectedId) throw new VigilError('BAD_REQUEST', 'the id in the body differs from the id in the path');
    if (this.fromConfig.some((d) => d.id === dest.id)) {
      throw new VigilError('CONFLICT', `destination "${dest.id}" is defined in the config file; change it there`);
    }
    this.stmts.upsert.run({ id: dest.id, definition: JSON.stringify(dest), now });
    this.fromApi.set(dest.id, dest);
    this.changed();
    return dest;
  }

  /** Removes an API-defined destination; refuses one the escalation names or that has work pending. */
  remove(id: string, pending: number): void {
    const found = this.get(id);
    if (!found) throw new VigilError('ALERT_DESTINATION_UNKNOWN', `no destination "${id}"`);
    if (found.source === 'config') throw new VigilError('CONFLICT', `destination "${id}" is defined in the config file; remove it there`);
    if (this.escalation.levels.some((l) => l.destinations.includes(id))) {
      throw new VigilError('CONFLICT', `destination "${id}" is an escalation target in the config file`);
    }
    if (pending > 0) throw new VigilError('CONFLICT', `destination "${id}" has ${pending} pending deliveries; cancel or deliver them first`);
    this.stmts.remove.run(id);
    this.fromApi.delete(id);
    this.changed();
  }

  /**
   * Another node of the cluster added, changed or removed a destination over its API: the
   * index's definitions replace ours, and the listeners (the senders) resync. A few rows, read
   * when another process committed; nothing happens when they are what we hold.
   */
  reload(): void {
    const stored = new Map<string, DestinationConfig>();
    for (const row of this.stmts.all.all()) {
      const parsed = destinationSchema.safeParse(JSON.parse(row.definition));
      // Written through put(), which checked it: a row failing now is kept as held until a restart says so.
      const held = this.fromApi.get(row.id);
      if (parsed.success) stored.set(row.id, parsed.data);
      else if (held) stored.set(row.id, held);
    }
    const same = stored.size === this.fromApi.size && [...stored].every(([id, dest]) => JSON.stringify(dest) === JSON.stringify(this.fromApi.get(id)));
    if (same) return;
    this.fromApi.clear();
    for (const [id, dest] of stored) this.fromApi.set(id, dest);
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

const SECRET_KEYS = new Set(['token', 'clientSecret', 'secret']);

/** A destination as the API shows it: secrets written in the file are masked; env names are shown. */
export function redactDestination(dest: DestinationConfig): Record<string, unknown> {
  return mask(dest) as Record<string, unknown>;
}

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k) && typeof v === 'string' ? '********' : mask(v);
  return out;
}
