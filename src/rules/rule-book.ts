import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { VigilError } from '../core/errors.js';
import type { Logger } from '../log/logger.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { RulesConfig } from '../config/sections/rules.js';
import { checkRules, type RuleCheck } from './check.js';
import type { DefaultRulesProvider } from './language.js';
import { diffRuleSets, isEmptyDiff, type WrittenRules } from './diff.js';
import type { RuleProblem, RuleSet } from './language.js';
import type { ModelIds } from './model-catalog.js';
import { readRulesFile } from './rules-file.js';
import type { RuleVersionStore, VersionSource } from './version-store.js';
import { describeError } from '../log/describe-error.js';

/**
 * The rules in force. Nothing applies unless it passed every check; a bad submission (API or
 * file) leaves the last good set in force and is reported in status() and the log. Every change
 * is a version (author, time, diff). With a rules file configured, the file is what IT edits and
 * what the API writes; it is watched and applied on change, without a restart.
 */
export interface RuleBookDeps {
  config: RulesConfig;
  versions: RuleVersionStore;
  /** The index: a new version and its /changes entry are written in one transaction. */
  index: Pick<DicomIndex, 'transaction' | 'changes'>;
  defaults: DefaultRulesProvider;
  models: ModelIds;
  destinations: () => readonly string[] | undefined;
  log: Logger;
}

export interface RulesInForce {
  ruleSet: RuleSet;
  /** null only when nothing valid was ever applied (not even the defaults). */
  version: number | null;
  document: unknown;
  text: string;
  warnings: RuleProblem[];
}

export type AttemptSource = VersionSource | 'startup';

export interface ApplyAttempt {
  at: string;
  source: AttemptSource;
  author: string;
  ok: boolean;
  errors: RuleProblem[];
  warnings: RuleProblem[];
  /** The version in force after the attempt. */
  version: number | null;
}

export interface ApplyResult {
  version: number;
  /** false when the submission changed nothing in force (no new version). */
  changed: boolean;
  warnings: RuleProblem[];
}

const EMPTY: RulesInForce = { ruleSet: { rules: [] }, version: null, document: {}, text: '', warnings: [] };

export class RuleBook {
  private current: RulesInForce = EMPTY;
  private lastAttempt: ApplyAttempt | null = null;
  /** The last failed attempt, until a later one succeeds from the same source kind. */
  private lastFailure: ApplyAttempt | null = null;
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The newest version another node applied that failed this node's checks (adoptNewer). */
  private refusedUpTo = 0;
  readonly file: string | null;

  constructor(private readonly deps: RuleBookDeps) {
    this.file = deps.config.file === null ? null : path.resolve(deps.config.file);
  }

  inForce(): RulesInForce {
    return this.current;
  }

  /** Checks a draft against the same defaults, models and destinations as an apply would. */
  check(document: unknown): RuleCheck {
    return checkRules(document, { defaults: this.deps.defaults(), models: this.deps.models(), destinations: this.deps.destinations() });
  }

  status() {
    return {
      version: this.current.version,
      rules: this.current.ruleSet.rules.length,
      warnings: this.current.warnings,
      file: this.file,
      watching: this.watcher !== undefined,
      lastAttempt: this.lastAttempt,
      /** Set while the newest submission is not in force because it failed its checks. */
      failure: this.lastFailure,
    };
  }

  /**
   * Start-up: the rules file when it is good, else the last good version, else the defaults
   * alone. The node always starts; what went wrong is in status() and the log.
   */
  async start(): Promise<void> {
    if (this.file) this.reloadFile('startup');
    if (this.current.version === null) {
      const latest = this.deps.versions.latest();
      const fallbacks: { document: unknown; text: string }[] = latest ? [{ document: latest.document, text: latest.text }] : [];
      fallbacks.push({ document: {}, text: '' });
      for (const { document, text } of fallbacks) {
        const check = this.check(document);
        if (!check.ruleSet) continue;
        this.commit(check, document, text, { author: 'system', source: 'defaults', rolledBackTo: null });
        break;
      }
    }
    if (this.current.version === null) this.deps.log.error('no valid routing rules: nothing will be routed until the rules are fixed');
    if (this.file && this.deps.config.watch) this.watch(this.file);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * Another node of the cluster applied rules (its API, its rules file): the newest stored
   * version is put in force here too, as checked here (this node's plugins and models), so the
   * scheduler node routes with what the API node applied. A version that fails here keeps the
   * rules in force, said in the log. Cheap when nothing changed: one look-up of a number.
   */
  adoptNewer(): void {
    const newest = this.deps.versions.latestNumber();
    if (newest === undefined || newest <= Math.max(this.current.version ?? 0, this.refusedUpTo)) return;
    const latest = this.deps.versions.latest();
    if (!latest) return;
    const check = this.check(latest.document);
    if (!check.ruleSet) {
      this.deps.log.error('routing rules another node applied fail their checks here; the rules in force stay', {
        version: latest.version,
        inForce: this.current.version,
        errors: check.errors.slice(0, 20),
      });
      // Not looked at again until a newer version comes.
      this.refusedUpTo = latest.version;
      return;
    }
    this.current = { ruleSet: check.ruleSet, version: latest.version, document: latest.document, text: latest.text, warnings: check.warnings };
    this.deps.log.info('routing rules applied by another node taken up', { version: latest.version });
  }

  /** Applies a document from the API (or a rollback); throws RULES_INVALID with every problem. */
  apply(document: unknown, opts: { author: string; source: 'api' | 'rollback'; text?: string; rolledBackTo?: number }): ApplyResult {
    const check = this.check(document);
    if (!check.ruleSet) throw this.refuse(check, opts.source, opts.author);
    const text = opts.text ?? writtenText(document, opts.author);
    if (this.file && text !== this.current.text) writeAtomically(this.file, text);
    return this.commit(check, document, text, { author: opts.author, source: opts.source, rolledBackTo: opts.rolledBackTo ?? null });
  }

  rollback(version: number, author: string): ApplyResult {
    const target = this.deps.versions.get(version);
    if (!target) throw new VigilError('NOT_FOUND', `no rules version ${version}`);
    return this.apply(target.document, { author, source: 'rollback', text: target.text, rolledBackTo: version });
  }

  /** Reads the rules file and applies it if it is good and different; never throws. */
  reloadFile(source: 'file' | 'startup' = 'file'): void {
    if (!this.file) return;
    const { text, parsed } = readRulesFile(this.file);
    if (text === this.current.text && this.current.version !== null) return;
    const check: RuleCheck = 'error' in parsed ? { ruleSet: undefined, errors: [parsed.error], warnings: [] } : this.check(parsed.document);
    if (!check.ruleSet || 'error' in parsed) {
      this.refuse(check, source, 'file');
      return;
    }
    this.commit(check, parsed.document, text, { author: 'file', source: 'file', rolledBackTo: null });
  }

  private commit(check: RuleCheck, document: unknown, text: string, meta: { author: string; source: VersionSource; rolledBackTo: number | null }): ApplyResult {
    const ruleSet = check.ruleSet!;
    const rules: WrittenRules = ruleSet.rules.map((r) => ({ ...r.written, origin: r.origin.kind === 'site' ? 'site' : `default of ${r.origin.plugin}` }));
    const latest = this.deps.versions.latest();
    const diff = diffRuleSets(latest?.rules ?? [], rules);
    let version = latest?.version ?? 0;
    const changed = latest === undefined || !isEmptyDiff(diff) || meta.rolledBackTo !== null;
    if (changed) {
      version = this.deps.index.transaction(() => {
        const v = this.deps.versions.append({ ...meta, document, text, rules, diff });
        // Submissions go to /changes; the node falling back to stored rules or defaults at start does not.
        if (meta.source !== 'defaults') this.deps.index.changes.append('rules-changed', 'rules', String(v), { source: meta.source, author: meta.author });
        return v;
      });
      this.deps.log.info('routing rules applied', {
        version,
        source: meta.source,
        author: meta.author,
        added: diff.added,
        removed: diff.removed,
        changed: diff.changed.map((c) => c.id),
      });
    }
    this.current = { ruleSet, version, document, text, warnings: check.warnings };
    // Falling back to a stored version or the defaults is not a submission: a failure stays shown.
    if (meta.source !== 'defaults') {
      this.note({ source: meta.source, author: meta.author, ok: true, errors: [], warnings: check.warnings });
      this.lastFailure = null;
    }
    return { version, changed, warnings: check.warnings };
  }

  private refuse(check: RuleCheck, source: AttemptSource, author: string): VigilError {
    const attempt = this.note({ source, author, ok: false, errors: check.errors, warnings: check.warnings });
    this.lastFailure = attempt;
    // Problems name paths and rule text, never patient data: safe to log.
    this.deps.log.error('routing rules refused; the rules in force stay', { source, author, version: this.current.version, errors: check.errors.slice(0, 20) });
    const n = check.errors.length;
    return new VigilError('RULES_INVALID', `the rules have ${n} problem${n === 1 ? '' : 's'}; nothing was applied`, {
      extra: { errors: check.errors, warnings: check.warnings },
    });
  }

  private note(a: Omit<ApplyAttempt, 'at' | 'version'>): ApplyAttempt {
    this.lastAttempt = { at: new Date().toISOString(), ...a, version: this.current.version };
    return this.lastAttempt;
  }

  /** Watches the folder, not the file: editors and the API replace the file by renaming. */
  private watch(file: string): void {
    try {
      this.watcher = fs.watch(path.dirname(file), (_event, name) => {
        if (name !== null && name.toString() !== path.basename(file)) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reloadFile('file'), this.deps.config.debounceMs);
      });
      this.watcher.on('error', (err) => this.deps.log.error('rules file watch failed', { file, error: describeError(err) }));
    } catch (err) {
      this.deps.log.warn('rules file cannot be watched: changes apply through the API or a restart', { file, error: describeError(err) });
    }
  }
}

function writtenText(document: unknown, author: string): string {
  const header = `# Routing rules, written by Vigil for ${author} on ${new Date().toISOString()}.\n# Every version is kept: GET /rules/versions. Guide: config/README.md\n`;
  return header + YAML.stringify(document ?? {});
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new VigilError('RULES_FILE_WRITE_FAILED', `the rules file could not be written: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}
