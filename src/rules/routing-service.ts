import type { EventBus } from '../events/bus.js';
import type { SeriesStableEvent } from '../events/types.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { DecisionStore } from './decision-store.js';
import { routeSeries, type RoutingDecision } from './route.js';
import type { RuleBook } from './rule-book.js';
import type { SeriesFacts } from './facts.js';
import type { RoutingSink } from './sink.js';
import type { StoredSeries } from './stored-series.js';
import { describeError } from '../log/describe-error.js';
import { isOwnResultSeries } from '../store/own-results.js';

/**
 * The routing stage: on 'series-stable' it evaluates the rules in force on the series, records
 * the decision with its explanation (and a 'series-routed' change), then hands each model job
 * and forward to the sink. One failing series is logged (by id) and the next one goes on.
 */
export interface RoutingServiceDeps {
  bus: EventBus;
  book: RuleBook;
  series: StoredSeries;
  decisions: DecisionStore;
  index: Pick<DicomIndex, 'transaction' | 'changes'>;
  sink: () => RoutingSink;
  log: Logger;
}

export class RoutingService {
  private unsubscribe: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: RoutingServiceDeps) {}

  async start(): Promise<void> {
    this.unsubscribe = this.deps.bus.on('series-stable', (event) => {
      const work = this.route(event).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Routes one series version; resolves to the decision, or undefined when it could not be read. */
  async route(event: Pick<SeriesStableEvent, 'seriesId' | 'version' | 'runTriage'>): Promise<RoutingDecision | undefined> {
    const { seriesId, version: seriesVersion } = event;
    // A reopened series whose triage already ran (series.rerunTriageOnReopen off): no new jobs.
    const runTriage = event.runTriage !== false;
    const { log } = this.deps;
    let facts;
    try {
      facts = await this.deps.series.facts(seriesId);
    } catch (err) {
      log.error('series could not be read for routing', { seriesId, error: describeError(err) });
      return undefined;
    }
    if (!facts) {
      log.warn('series gone before routing', { seriesId });
      return undefined;
    }
    if (isOwnResults(facts)) {
      log.info("series of the node's own AI results: not routed", { seriesId, seriesVersion });
      return undefined;
    }
    const { ruleSet, version: ruleVersion } = this.deps.book.inForce();
    // Evaluated without showPatientData: the stored explanation never quotes patient values.
    const decision = routeSeries(ruleSet, facts);
    const models = decision.jobs.map((j) => j.modelId);
    const destinations = decision.forwards.map((f) => f.destination);
    const decisionId = this.deps.index.transaction(() => {
      const id = this.deps.decisions.record({ seriesId, seriesVersion, ruleVersion, decision });
      this.deps.index.changes.append('series-routed', 'series', seriesId, { decisionId: id, seriesVersion, ruleVersion, models, forward: destinations });
      return id;
    });
    log.info('series routed', {
      seriesId,
      seriesVersion,
      ruleVersion,
      decisionId,
      models,
      forward: destinations,
      matched: decision.results.filter((r) => r.status === 'matched').map((r) => r.ruleId),
    });
    const sink = this.deps.sink();
    if (!runTriage && decision.jobs.length > 0) log.info('series reopened: triage not run again', { seriesId, seriesVersion });
    for (const job of runTriage ? decision.jobs : []) await this.hand(() => sink.runModel({ seriesId, ...job }), { seriesId, modelId: job.modelId });
    for (const f of decision.forwards) await this.hand(() => sink.forward({ seriesId, ...f }), { seriesId, destination: f.destination });
    return decision;
  }

  private async hand(fn: () => void | Promise<void>, what: Record<string, string>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.deps.log.error('routing could not hand over a job', { ...what, error: describeError(err) });
    }
  }
}

/**
 * Every instance of the series is one of the node's own AI results: never routed, early or late
 * (a model's output must not become another model's input).
 */
export function isOwnResults(facts: SeriesFacts): boolean {
  const callingAeTitles = facts.facts['association.callingAeTitle'];
  return Array.isArray(callingAeTitles) && isOwnResultSeries(callingAeTitles.filter((ae): ae is string => typeof ae === 'string'));
}
