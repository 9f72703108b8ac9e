/**
 * One study's path from the last C-STORE response to each destination's acknowledgement, read
 * back from the node's HTTP API as any client would read it: GET /changes (series stable, with
 * how it was known), GET /findings/{id}, GET /jobs/{id} (started, stage times), GET /alerts
 * (deliveries, delivered at). Times are the index's: ms since the epoch.
 */
export interface Timeline {
  /** How completeness was known: counts, mpps, idle. */
  stableReason: string;
  /** ms, each from the end of the stage before. */
  completenessMs: number;
  queueMs: number;
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  /** Job start → finding stored, less the three stages above: key image, finding transaction. */
  keyImageAndStoreMs: number;
  /** Finding stored → the destination's acknowledgement, per destination id. */
  deliveryMs: Record<string, number>;
  /** Last C-STORE response → acknowledgement, per destination id. */
  totalMs: Record<string, number>;
}

interface Change {
  ChangeType: string;
  ID: string;
  Date: string;
  Data?: Record<string, unknown>;
}

export class ApiReader {
  private changes: Change[] = [];
  private last = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async get<T>(route: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${route}`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) throw new Error(`GET ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** The whole change feed so far, paged with `since` as a client polls it. */
  async allChanges(): Promise<Change[]> {
    for (;;) {
      const page = await this.get<{ Changes: Change[]; Done: boolean; Last: number }>(`/changes?since=${this.last}&limit=1000`);
      this.changes.push(...page.Changes);
      this.last = page.Last;
      if (page.Done) return this.changes;
    }
  }

  async timeline(seriesId: string, lastResponseAt: number): Promise<Timeline> {
    const changes = await this.allChanges();
    const stable = changes.find((c) => c.ChangeType === 'StableSeries' && c.ID === seriesId);
    const findingChange = changes.find((c) => c.ChangeType === 'Finding' && c.Data?.seriesId === seriesId);
    if (!stable || !findingChange) throw new Error(`series ${seriesId}: no stable-series or finding in /changes`);
    const finding = await this.get<{ jobId: string; createdAt: string; studyId: string }>(`/findings/${findingChange.ID}`);
    const job = await this.get<{ startedAt: string; timings: { decodeMs: number; preprocessMs: number; inferenceMs: number } | null }>(
      `/jobs/${finding.jobId}`,
    );
    if (!job.timings) throw new Error(`job ${finding.jobId} is done but has no stage times`);
    const alerts = await this.get<{ findingId: string; deliveries: { destination: string; kind: string; deliveredAt: string | null }[] }[]>(
      `/alerts?studyId=${finding.studyId}`,
    );
    const deliveries = alerts.find((a) => a.findingId === findingChange.ID)?.deliveries.filter((d) => d.kind === 'alert') ?? [];

    const stableAt = Date.parse(stable.Date);
    const startedAt = Date.parse(job.startedAt);
    const findingAt = Date.parse(finding.createdAt);
    const { decodeMs, preprocessMs, inferenceMs } = job.timings;
    const deliveryMs: Record<string, number> = {};
    const totalMs: Record<string, number> = {};
    for (const d of deliveries) {
      if (d.deliveredAt === null) continue;
      deliveryMs[d.destination] = Date.parse(d.deliveredAt) - findingAt;
      totalMs[d.destination] = Date.parse(d.deliveredAt) - lastResponseAt;
    }
    return {
      stableReason: typeof stable.Data?.reason === 'string' ? stable.Data.reason : '?',
      completenessMs: stableAt - lastResponseAt,
      queueMs: startedAt - stableAt,
      decodeMs,
      preprocessMs,
      inferenceMs,
      keyImageAndStoreMs: findingAt - startedAt - decodeMs - preprocessMs - inferenceMs,
      deliveryMs,
      totalMs,
    };
  }
}
