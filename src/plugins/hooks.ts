/**
 * The closed hook vocabulary, owned by the core (Orthanc's Register*Callback list, Fastify's
 * hooks). A plugin that names any other hook is refused at load. Each hook says when it runs
 * and how long the host waits for it.
 */
export const HOOKS = {
  /** Each incoming C-STORE, before it is stored: may refuse it with a DIMSE status. Short deadline. */
  filterIncomingStore: { kind: 'filter' },
  /** After an instance is durable and indexed (instance-stored). */
  onInstanceStored: { kind: 'event' },
  /** A series version is complete (series-stable). */
  onSeriesStable: { kind: 'event' },
  /** A finding was committed (finding). */
  onFinding: { kind: 'event' },
  /** At load: adds routes to the plugin's own express Router, served under /plugins/<id>. */
  routes: { kind: 'setup' },
  /** Once the node is up (DICOM and HTTP listening). */
  onReady: { kind: 'lifecycle' },
  /** When the node stops, before the index closes. */
  onClose: { kind: 'lifecycle' },
} as const satisfies Record<string, { kind: 'filter' | 'event' | 'setup' | 'lifecycle' }>;

export type HookName = keyof typeof HOOKS;
export const HOOK_NAMES = Object.keys(HOOKS) as HookName[];

export function isHookName(name: string): name is HookName {
  return Object.hasOwn(HOOKS, name);
}
