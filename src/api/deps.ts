import type { AuditTrail } from '../audit/audit-trail.js';
import type { AlertsPart } from '../alerts/alerts.js';
import type { TokenStore } from '../auth/token-store.js';
import type { VigilConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Readiness } from '../metrics/readiness.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { FileStore } from '../store/file-store.js';
import type { SeriesState } from '../series/series-state-store.js';
import type { LearnedSender } from '../series/sender-history.js';
import type { RoutingPart } from '../rules/routing-part.js';
import type { RuleForwarder } from '../rules/forwarder.js';
import type { PluginHost } from '../plugins/host.js';
import type { TriageEngine } from '../triage/engine.js';
import type { WorklistPart } from '../worklist/worklist.js';
import type { PageSignIn } from './page-sign-in.js';
import type { QueryRetrieve } from '../dicom/net/query/query-retrieve.js';
import type { InstanceStore } from '../store/instance-store.js';

/** Everything the HTTP app may reach. Routes never go past these to the database. */
export interface ApiDeps {
  config: VigilConfig;
  index: DicomIndex;
  files: FileStore;
  log: Logger;
  tokens: TokenStore;
  audit: AuditTrail;
  /** Completeness of each series (the series view's IsStable). */
  series?: {
    stateOf(seriesId: string): SeriesState | undefined;
    /** Completeness learned per sender: GET /completeness/senders when present. */
    history?: { list(): LearnedSender[] };
  };
  /** GET /plugins and each plugin's routes under /plugins/<id>. */
  plugins?: Pick<PluginHost, 'list' | 'routers'>;
  /** Models, jobs and findings; their routes exist only when it is given. */
  triage?: TriageEngine;
  metrics: Metrics;
  /** Routing rules: /rules and /series/:id/routing are served when present. */
  rules?: RoutingPart;
  /** The rules' forward queue: GET /rules/forwards when present. */
  forwards?: Pick<RuleForwarder, 'jobs'>;
  readiness: Readiness;
  /** Alerts: outbox, acknowledgement, destinations (absent in apps built without them). */
  alerts?: AlertsPart;
  /** The reading worklist, its live stream and the model monitoring (absent: routes answer 404). */
  worklist?: WorklistPart;
  /** Sign-in to the page through the OpenID provider (auth.oidc); absent: tokens only. */
  pageSignIn?: PageSignIn;
  /** The index's DICOM matching, shared with C-FIND: DICOMweb under /dicom-web is served when present. */
  queryRetrieve?: Pick<QueryRetrieve, 'search' | 'answer'>;
  /** Where STOW-RS stores, the way C-STORE does (POST /dicom-web/studies is served when present). */
  store?: Pick<InstanceStore, 'createWriter' | 'complete'>;
  /** Live state of parts the API reports on. */
  status: {
    dicomListening(): boolean;
    activeAssociations(): number;
    startedAt: number;
  };
}
