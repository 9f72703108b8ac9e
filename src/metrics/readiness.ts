/** One readiness check: synchronous and cheap, it runs on every GET /ready. */
export type ReadinessCheck = () => { ok: boolean; detail?: string };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/**
 * Whether the node can do its work now. src/node.ts adds the index, the store and the DICOM
 * listener; later parts add theirs (`readiness.add('triage', () => ...)`). A check that throws
 * counts as down, with its message.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is added twice`);
    this.checks.set(name, check);
  }

  report(): ReadinessReport {
    const checks: ReadinessReport['checks'] = {};
    for (const [name, check] of this.checks) {
      try {
        checks[name] = check();
      } catch (err) {
        checks[name] = { ok: false, detail: (err as Error).message };
      }
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }
}
