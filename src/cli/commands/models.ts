import path from 'node:path';
import type { Command } from 'commander';
import { VigilError } from '../../core/errors.js';
import type { Manifest } from '../../triage/manifest.js';
import { readManifest } from '../../triage/manifest-file.js';
import { ModelSiteStore } from '../../triage/site/model-site-store.js';
import { ChangeFeed } from '../../store/changes.js';
import type { Db } from '../../db/database.js';
import type { VigilConfig } from '../../config/schema.js';
import { withModelSite } from '../node-index.js';

/**
 * `vigil models shadow|live|rollback|show <model>`: a model pack version runs in shadow (stored
 * and monitored, alerting nobody) or live; IT's decisions are versioned and audited, and apply
 * to the running node's next finding. The same as POST /models/{id}/mode.
 */
export function registerModels(program: Command): void {
  const models = program.command('models').description('shadow or live per model pack version, and the site operating point in force');
  for (const mode of ['shadow', 'live'] as const) {
    models
      .command(mode)
      .argument('<model>', 'model id, e.g. stroke-ich')
      .option('--reason <text>', 'why, for the history')
      .description(
        mode === 'shadow'
          ? 'run the installed version silent: findings stored and monitored, no alert, no priority'
          : 'make the installed version live: its positives alert and raise priorities',
      )
      .action(async (id: string, opts: { reason?: string }) => {
        await withModelSite(`models ${mode}`, { model: id }, (db, config, author) => {
          const { site, manifest } = open(db, config, id);
          const v = site.setMode({ modelId: id, packVersion: manifest.version, mode: mode, author, reason: opts.reason });
          out(`${id} ${manifest.version} is now ${v.mode} (mode version ${v.version})`);
        });
      });
  }
  models
    .command('rollback')
    .argument('<model>')
    .argument('<version>', 'the mode version to put back (see `vigil models show`)')
    .description('put back the mode an earlier version set, as a new version')
    .action(async (id: string, version: string) => {
      await withModelSite('models rollback', { model: id, to: version }, (db, config, author) => {
        const { site, manifest } = open(db, config, id);
        const v = site.rollbackMode(id, manifest.version, versionNumber(version), author);
        out(`${id} ${manifest.version} is now ${v.mode} (mode version ${v.version}, rollback to ${version})`);
      });
    });
  models
    .command('show')
    .argument('<model>')
    .description('the mode and the operating point in force, with their histories')
    .action(async (id: string) => {
      await withModelSite(undefined, {}, (db, config) => {
        const { site, manifest } = open(db, config, id);
        const point = site.decidingPoint(manifest);
        out(`${id} ${manifest.version}: ${site.modeOf(id, manifest.version).mode}`);
        out(`operating point in force: ${point.source === 'site' ? `site v${point.version}` : `shipped "${point.name}"`}, threshold ${point.threshold}`);
        out('mode history (newest first):');
        for (const m of site.modeHistory(id))
          out(`  v${m.version}\t${m.createdAt}\t${m.packVersion}\t${m.mode}\t${m.author}${m.reason ? `\t${m.reason}` : ''}`);
        out('operating point history (newest first):');
        for (const p of site.sitePointHistory(id)) {
          out(
            `  v${p.version}\t${p.createdAt}\t${p.packVersion}\t${p.source === 'site' ? `site threshold ${p.threshold}` : 'shipped'}\t${p.author}${p.reason ? `\t${p.reason}` : ''}`,
          );
        }
      });
    });
}

/** The store and the installed pack's manifest (the version every decision is about). */
export function open(db: Db, config: VigilConfig, id: string): { site: ModelSiteStore; manifest: Manifest } {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) throw new VigilError('BAD_REQUEST', `"${id}" is not a model id`);
  let manifest: Manifest;
  try {
    manifest = readManifest(path.join(config.triage.modelsDir, id, 'manifest.json'));
  } catch (err) {
    throw new VigilError('NOT_FOUND', `no model pack "${id}" in ${path.resolve(config.triage.modelsDir)} (triage.modelsDir): ${(err as Error).message}`);
  }
  return { site: new ModelSiteStore(db, { changes: new ChangeFeed(db), newPackMode: config.triage.newPackMode }), manifest };
}

export function versionNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new VigilError('BAD_REQUEST', `"${value}" is not a version number`);
  return n;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
