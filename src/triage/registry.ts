import fs from 'node:fs';
import path from 'node:path';
import { isVigilError, VigilError, type ErrorCode } from '../core/errors.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../db/database.js';
import type { Manifest } from './manifest.js';
import { readManifest } from './manifest-file.js';
import { packCheckBoundMs, type PackRef } from './worker/protocol.js';
import type { WorkerPool } from './worker/pool.js';
import type { ModelSiteStore } from './site/model-site-store.js';

export type ModelStatus = 'checking' | 'available' | 'unavailable';

export interface ModelEntry {
  id: string;
  dir: string;
  manifest: Manifest | null;
  status: ModelStatus;
  /** Why a pack is unavailable. */
  reason: { code: ErrorCode; detail: string } | null;
  /** IT's switch; a disabled model takes no new jobs. */
  enabled: boolean;
  card: string | null;
}

/**
 * The model packs under `triage.modelsDir`, each checked in a worker (checksum, inputs and
 * outputs, test vector) before it takes jobs. A pack that fails is listed as unavailable with
 * its reason; the others and the node go on.
 */
export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();
  private readonly stmts;

  constructor(
    private readonly opts: { dir: string; threads: number; clock?: Clock },
    private readonly pool: WorkerPool,
    db: Db,
    private readonly log: Logger,
    /** IT's decisions per pack version: shadow or live, and the site operating point. */
    readonly site: ModelSiteStore,
  ) {
    this.stmts = {
      switches: db.prepare<[], { model_id: string; enabled: number }>('SELECT model_id, enabled FROM triage_model_switches'),
      setSwitch: db.prepare(
        `INSERT INTO triage_model_switches (model_id, enabled, changed_at) VALUES (?, ?, ?)
         ON CONFLICT (model_id) DO UPDATE SET enabled = excluded.enabled, changed_at = excluded.changed_at`,
      ),
    };
  }

  /**
   * Scans the folder and checks every pack; resolves when all are available or not. With
   * `check: false` (a node without the `triage` role, which starts no worker) the packs are
   * only listed from their manifests and cards, so routing and the API can queue jobs for them;
   * the checks run on the triage-role nodes, which alone run them.
   */
  async load(opts: { check?: boolean } = {}): Promise<void> {
    const check = opts.check ?? true;
    const switches = new Map(this.stmts.switches.all().map((r) => [r.model_id, r.enabled === 1]));
    const folders = fs.existsSync(this.opts.dir)
      ? fs
          .readdirSync(this.opts.dir, { withFileTypes: true })
          .filter((e) => e.isDirectory() && fs.existsSync(path.join(this.opts.dir, e.name, 'manifest.json')))
      : [];
    await Promise.all(
      folders.map(async ({ name }) => {
        const dir = path.resolve(this.opts.dir, name);
        const entry: ModelEntry = { id: name, dir, manifest: null, status: 'checking', reason: null, enabled: switches.get(name) ?? true, card: null };
        this.entries.set(name, entry);
        try {
          const manifest = readManifest(path.join(dir, 'manifest.json'));
          if (manifest.id !== name) throw new VigilError('TRIAGE_PACK_INVALID', `manifest id "${manifest.id}" differs from its folder "${name}"`);
          entry.manifest = manifest;
          const cardFile = path.join(dir, 'MODEL_CARD.md');
          if (!fs.existsSync(cardFile)) throw new VigilError('TRIAGE_PACK_INVALID', 'MODEL_CARD.md is missing');
          entry.card = fs.readFileSync(cardFile, 'utf8');
          if (check) await this.pool.run({ kind: 'check-pack', pack: this.packRef(entry, manifest) }, packCheckBoundMs(manifest.resources.timeoutMs));
          entry.status = 'available';
          if (check) this.log.info('model pack available', { modelId: name, version: manifest.version, enabled: entry.enabled });
          else this.log.info('model pack listed (its checks run on the triage-role nodes)', { modelId: name, version: manifest.version });
        } catch (err) {
          entry.status = 'unavailable';
          entry.reason = isVigilError(err) ? { code: err.code, detail: err.message } : { code: 'INTERNAL', detail: String(err) };
          this.log.warn('model pack unavailable', { modelId: name, code: entry.reason.code, reason: entry.reason.detail });
        }
      }),
    );
  }

  /**
   * Another node of the cluster enabled or disabled a model over its API: the index's switches
   * replace ours (routing, early runs and claims here then follow them).
   */
  refreshSwitches(): void {
    for (const row of this.stmts.switches.all()) {
      const entry = this.entries.get(row.model_id);
      if (entry && entry.enabled !== (row.enabled === 1)) {
        entry.enabled = row.enabled === 1;
        this.log.info(entry.enabled ? 'model enabled on another node' : 'model disabled on another node', { modelId: row.model_id });
      }
    }
  }

  list(): ModelEntry[] {
    return [...this.entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  get(id: string): ModelEntry | undefined {
    return this.entries.get(id);
  }

  /** A pack ready for jobs, or why not. */
  packFor(id: string): PackRef {
    const entry = this.entries.get(id);
    if (!entry) throw new VigilError('NOT_FOUND', `no model pack "${id}"`);
    if (entry.status !== 'available' || !entry.manifest) {
      throw new VigilError('TRIAGE_MODEL_UNAVAILABLE', `model "${id}" is ${entry.status}${entry.reason ? `: ${entry.reason.detail}` : ''}`);
    }
    if (!entry.enabled) throw new VigilError('TRIAGE_MODEL_UNAVAILABLE', `model "${id}" is disabled`);
    return this.packRef(entry, entry.manifest);
  }

  setEnabled(id: string, enabled: boolean): ModelEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new VigilError('NOT_FOUND', `no model pack "${id}"`);
    this.stmts.setSwitch.run(id, enabled ? 1 : 0, (this.opts.clock ?? systemClock).now());
    entry.enabled = enabled;
    this.log.info(enabled ? 'model enabled' : 'model disabled', { modelId: id });
    return entry;
  }

  private packRef(entry: ModelEntry, manifest: Manifest): PackRef {
    return { dir: entry.dir, manifest, threads: this.opts.threads };
  }
}
