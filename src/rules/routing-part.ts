import type { VigilConfig } from '../config/schema.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../db/database.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import { DecisionStore } from './decision-store.js';
import type { DefaultRulesProvider } from './language.js';
import { modelIdsFromManifests, type ModelIds } from './model-catalog.js';
import { RoutingService } from './routing-service.js';
import { RuleBook } from './rule-book.js';
import { loggingSink, type RoutingSink } from './sink.js';
import { StoredSeries } from './stored-series.js';
import { RuleVersionStore } from './version-store.js';

/**
 * The routing part as the node composes it: the rule book, the routing service and what the
 * API needs. Default rules come from the plugin host; the model ids and the sink are seams the
 * triage registry and the triage engine replace when they are wired.
 */
export interface RoutingPartDeps {
  config: VigilConfig;
  db: Db;
  index: DicomIndex;
  files: FileStore;
  bus: EventBus;
  log: Logger;
  /** The active plugins' default rules (the plugin host). */
  defaults: DefaultRulesProvider;
  models?: ModelIds;
}

export type RoutingPart = ReturnType<typeof createRoutingPart>;

export function createRoutingPart(deps: RoutingPartDeps) {
  const log = deps.log.child({ component: 'rules' });
  const versions = new RuleVersionStore(deps.db);
  const decisions = new DecisionStore(deps.db);
  const series = new StoredSeries(deps.db, deps.index, deps.files, deps.config.dicom.aeTitle);
  const book = new RuleBook({
    config: deps.config.rules,
    versions,
    index: deps.index,
    defaults: deps.defaults,
    models: deps.models ?? (() => modelIdsFromManifests(deps.config.triage.modelsDir)),
    destinations: () => deps.config.dicom.modalities.filter((m) => m.port !== undefined).map((m) => m.aeTitle),
    log,
  });
  let sink: RoutingSink = loggingSink(log);
  const routing = new RoutingService({ bus: deps.bus, book, series, decisions, index: deps.index, sink: () => sink, log });
  return {
    book,
    routing,
    decisions,
    versions,
    series,
    /** The triage engine (model jobs) and forwarder plug in here. */
    setSink(next: RoutingSink): void {
      sink = next;
    },
    async start(): Promise<void> {
      await book.start();
      await routing.start();
    },
    async stop(): Promise<void> {
      await routing.stop();
      await book.stop();
    },
  };
}
