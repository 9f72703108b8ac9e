import { systemClock, type Clock } from '../../core/clock.js';
import { VigilError } from '../../core/errors.js';
import type { ChangeFeed } from '../../store/changes.js';
import type { Db } from '../../db/database.js';
import type { Manifest } from '../manifest.js';
import { defaultOperatingPoint } from '../manifest.js';
import type { CalibrationProposal, LabelledScore } from './calibrate.js';
import { feedbackEvidence } from './feedback-evidence.js';

/**
 * A pack version runs `live` (its positives alert and raise priorities) or in `shadow` (it runs
 * and its findings are stored and monitored, but it alerts nobody and raises nothing).
 */
export const MODEL_MODES = ['live', 'shadow'] as const;
export type ModelMode = (typeof MODEL_MODES)[number];

/** Which operating point decided a finding: the pack's own (shipped) or the site's (with its version). */
export const POINT_SOURCES = ['shipped', 'site'] as const;
export type PointSource = (typeof POINT_SOURCES)[number];

export interface ModeVersion {
  version: number;
  modelId: string;
  packVersion: string;
  mode: ModelMode;
  author: string;
  reason: string | null;
  rolledBackTo: number | null;
  createdAt: string;
}

export interface SitePointVersion {
  version: number;
  modelId: string;
  packVersion: string;
  /** 'shipped': this version put the pack's own operating point back. */
  source: PointSource;
  threshold: number | null;
  proposal: CalibrationProposal | null;
  author: string;
  reason: string | null;
  rolledBackTo: number | null;
  createdAt: string;
}

/** The operating point that decides a finding now, as the finding records it. */
export interface DecidingPoint {
  name: string;
  threshold: number;
  sensitivity: number;
  specificity: number;
  source: PointSource;
  /** The site operating point's version; null for the shipped one (the pack version says which). */
  version: number | null;
}

interface ModeRow {
  version: number;
  model_id: string;
  pack_version: string;
  mode: ModelMode;
  author: string;
  reason: string | null;
  rolled_back_to: number | null;
  created_at: number;
}

interface PointRow {
  version: number;
  model_id: string;
  pack_version: string;
  source: PointSource;
  threshold: number | null;
  proposal: string | null;
  author: string;
  reason: string | null;
  rolled_back_to: number | null;
  created_at: number;
}

export const MAX_REASON_CHARS = 500;

/**
 * IT's decisions per model pack version, in the index: its mode and its site operating point.
 * Append-only (a change and a rollback are new versions); read at every finding, so a change
 * made by the CLI on the index of a running node applies to its next finding.
 */
export class ModelSiteStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly opts: { changes: ChangeFeed; newPackMode: ModelMode; clock?: Clock },
  ) {
    this.stmts = {
      mode: db.prepare<[string, string], ModeRow>('SELECT * FROM model_modes WHERE model_id = ? AND pack_version = ? ORDER BY version DESC LIMIT 1'),
      modeVersion: db.prepare<[number], ModeRow>('SELECT * FROM model_modes WHERE version = ?'),
      modes: db.prepare<[string], ModeRow>('SELECT * FROM model_modes WHERE model_id = ? ORDER BY version DESC'),
      // RETURNING, not better-sqlite3's lastInsertRowid: the same SQL gives the key on PostgreSQL.
      insertMode: db.prepare<[Record<string, unknown>], { version: number }>(
        `INSERT INTO model_modes (model_id, pack_version, mode, author, reason, rolled_back_to, created_at)
         VALUES (@modelId, @packVersion, @mode, @author, @reason, @rolledBackTo, @at) RETURNING version`,
      ),
      point: db.prepare<[string, string], PointRow>('SELECT * FROM model_site_points WHERE model_id = ? AND pack_version = ? ORDER BY version DESC LIMIT 1'),
      pointVersion: db.prepare<[number], PointRow>('SELECT * FROM model_site_points WHERE version = ?'),
      points: db.prepare<[string], PointRow>('SELECT * FROM model_site_points WHERE model_id = ? ORDER BY version DESC'),
      insertPoint: db.prepare<[Record<string, unknown>], { version: number }>(
        `INSERT INTO model_site_points (model_id, pack_version, source, threshold, proposal, author, reason, rolled_back_to, created_at)
         VALUES (@modelId, @packVersion, @source, @threshold, @proposal, @author, @reason, @rolledBackTo, @at) RETURNING version`,
      ),
    };
  }

  /** The mode of a pack version: IT's latest decision, else `triage.newPackMode` (live by default). */
  modeOf(modelId: string, packVersion: string): { mode: ModelMode; version: number | null } {
    const row = this.stmts.mode.get(modelId, packVersion);
    return row ? { mode: row.mode, version: row.version } : { mode: this.opts.newPackMode, version: null };
  }

  setMode(input: { modelId: string; packVersion: string; mode: ModelMode; author: string; reason?: string | null; rolledBackTo?: number | null }): ModeVersion {
    const reason = checkReason(input.reason);
    return this.db.transaction(() => {
      const at = (this.opts.clock ?? systemClock).now();
      const version = this.stmts.insertMode.get({ ...input, reason, rolledBackTo: input.rolledBackTo ?? null, at })!.version;
      this.opts.changes.append('model-mode', 'model', input.modelId, { packVersion: input.packVersion, mode: input.mode, version, by: input.author }, at);
      return toMode(this.stmts.modeVersion.get(version)!);
    })();
  }

  /** Puts back the mode an earlier version set (as a new version). */
  rollbackMode(modelId: string, packVersion: string, to: number, author: string): ModeVersion {
    const old = this.stmts.modeVersion.get(to);
    if (!old || old.model_id !== modelId) throw new VigilError('NOT_FOUND', `model ${modelId} has no mode version ${to}`);
    if (old.pack_version !== packVersion)
      throw new VigilError('CONFLICT', `mode version ${to} is about pack ${old.pack_version}, not the installed ${packVersion}`);
    return this.setMode({ modelId, packVersion, mode: old.mode, author, reason: `rollback to mode version ${to}`, rolledBackTo: to });
  }

  modeHistory(modelId: string): ModeVersion[] {
    return this.stmts.modes.all(modelId).map(toMode);
  }

  /** The site operating point of a pack version in force, or undefined when the shipped one decides. */
  sitePointOf(modelId: string, packVersion: string): SitePointVersion | undefined {
    const row = this.stmts.point.get(modelId, packVersion);
    return row && row.source === 'site' ? toPoint(row) : undefined;
  }

  /** The operating point that decides a finding of this pack now. */
  decidingPoint(manifest: Manifest): DecidingPoint {
    const site = this.sitePointOf(manifest.id, manifest.version);
    if (site && site.threshold !== null && site.proposal) {
      return {
        name: `site-v${site.version}`,
        threshold: site.threshold,
        sensitivity: site.proposal.sensitivity.value ?? 0,
        specificity: site.proposal.specificity.value ?? 0,
        source: 'site',
        version: site.version,
      };
    }
    const shipped = defaultOperatingPoint(manifest);
    return {
      name: shipped.name,
      threshold: shipped.threshold,
      sensitivity: shipped.sensitivity,
      specificity: shipped.specificity,
      source: 'shipped',
      version: null,
    };
  }

  /** Applies a proposal (made for this pack version) as the site operating point. */
  applySitePoint(proposal: CalibrationProposal, author: string, reason?: string | null): SitePointVersion {
    return this.insertPoint({
      modelId: proposal.modelId,
      packVersion: proposal.packVersion,
      source: 'site',
      threshold: proposal.threshold,
      proposal,
      author,
      reason: checkReason(reason),
      rolledBackTo: null,
    });
  }

  /**
   * Puts back an earlier site operating point of this pack version, or (`to` 'shipped') the
   * pack's own, as a new version.
   */
  rollbackSitePoint(modelId: string, packVersion: string, to: number | 'shipped', author: string): SitePointVersion {
    if (to === 'shipped') {
      return this.insertPoint({
        modelId,
        packVersion,
        source: 'shipped',
        threshold: null,
        proposal: null,
        author,
        reason: 'back to the shipped operating point',
        rolledBackTo: null,
      });
    }
    const old = this.stmts.pointVersion.get(to);
    if (!old || old.model_id !== modelId) throw new VigilError('NOT_FOUND', `model ${modelId} has no site operating point version ${to}`);
    if (old.pack_version !== packVersion) {
      throw new VigilError(
        'CONFLICT',
        `site operating point version ${to} was calibrated on pack ${old.pack_version}, not the installed ${packVersion}: calibrate this version`,
      );
    }
    const proposal = old.proposal === null ? null : (JSON.parse(old.proposal) as CalibrationProposal);
    return this.insertPoint({
      modelId,
      packVersion,
      source: old.source,
      threshold: old.threshold,
      proposal,
      author,
      reason: `rollback to version ${to}`,
      rolledBackTo: to,
    });
  }

  /** Findings of this pack version that radiologists gave verdicts on, as labelled scores. */
  feedbackEvidence(modelId: string, packVersion: string): { cases: LabelledScore[]; excluded: number } {
    return feedbackEvidence(this.db, modelId, packVersion);
  }

  sitePointHistory(modelId: string): SitePointVersion[] {
    return this.stmts.points.all(modelId).map(toPoint);
  }

  private insertPoint(p: Omit<SitePointVersion, 'version' | 'createdAt'>): SitePointVersion {
    return this.db.transaction(() => {
      const at = (this.opts.clock ?? systemClock).now();
      const version = this.stmts.insertPoint.get({ ...p, proposal: p.proposal ? JSON.stringify(p.proposal) : null, at })!.version;
      this.opts.changes.append(
        'model-operating-point',
        'model',
        p.modelId,
        { packVersion: p.packVersion, source: p.source, threshold: p.threshold, version, by: p.author },
        at,
      );
      return toPoint(this.stmts.pointVersion.get(version)!);
    })();
  }
}

function checkReason(reason: string | null | undefined): string | null {
  if (reason === undefined || reason === null || reason === '') return null;
  if (reason.length > MAX_REASON_CHARS) throw new VigilError('BAD_REQUEST', `reason must be at most ${MAX_REASON_CHARS} characters`);
  return reason;
}

function toMode(r: ModeRow): ModeVersion {
  return {
    version: r.version,
    modelId: r.model_id,
    packVersion: r.pack_version,
    mode: r.mode,
    author: r.author,
    reason: r.reason,
    rolledBackTo: r.rolled_back_to,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

function toPoint(r: PointRow): SitePointVersion {
  return {
    version: r.version,
    modelId: r.model_id,
    packVersion: r.pack_version,
    source: r.source,
    threshold: r.threshold,
    proposal: r.proposal === null ? null : (JSON.parse(r.proposal) as CalibrationProposal),
    author: r.author,
    reason: r.reason,
    rolledBackTo: r.rolled_back_to,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
