/**
 * What a node does in a cluster (issue 24). Several nodes share one index and one data folder;
 * each starts only the parts its roles name (src/node.ts). Not to be confused with the API
 * users' roles (roles.ts).
 *
 * - `dicom`: the DIMSE server (C-STORE, C-FIND, C-MOVE, MPPS, C-ECHO) and the ingest path.
 * - `api`: the HTTP server (API, worklist page, DICOMweb, viewer, live updates) and the RIS order listener.
 * - `triage`: the triage worker pool, claiming triage jobs and plugin jobs.
 * - `alerts`: the destination workers sending alerts, operational notices and rule forwards.
 * - `scheduler`: the timers: idle series, escalation, model monitoring, retention.
 */
export const NODE_ROLES = ['dicom', 'api', 'triage', 'alerts', 'scheduler'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export function isNodeRole(value: string): value is NodeRole {
  return (NODE_ROLES as readonly string[]).includes(value);
}

/** True when the node runs every role: a node on its own, as before clusters. */
export function runsEveryRole(roles: readonly NodeRole[]): boolean {
  return NODE_ROLES.every((r) => roles.includes(r));
}
