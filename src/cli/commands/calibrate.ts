import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../../core/errors.js';
import { findLabelledStudies } from '../../triage/evaluation/labelled-studies.js';
import { loadPackScorer } from '../../triage/evaluation/pack-scorer.js';
import type { Proportion } from '../../core/statistics/proportion.js';
import type { CalibrationProposal, LabelledScore, PointOnEvidence } from '../../triage/site/calibrate.js';
import { proposalFor } from '../../triage/site/calibration-request.js';
import { withModelSite } from '../node-index.js';
import { open, versionNumber } from './models.js';

interface CalibrateOptions {
  targetSensitivity?: number;
  from?: string;
  labelled?: string;
  apply?: boolean;
  reason?: string;
  rollback?: string;
  json?: boolean;
}

/**
 * `vigil calibrate <model> --target-sensitivity 0.95 [--from feedback | --labelled DIR] [--apply]`:
 * proposes a site operating point for the installed pack version from local evidence (the
 * radiologists' verdicts on its shadow or live findings, or labelled study folders as `vigil
 * evaluate --studies` reads them, scored here by the pack), with sensitivity, specificity and
 * PPV, their 95 % intervals and the counts; refuses below triage.calibration's minimums.
 * `--apply` makes it the site operating point (versioned, audited); `--rollback <version|shipped>`
 * puts back an earlier one or the pack's own. The same as POST /models/{id}/calibration.
 */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .argument('<model>', 'model id, e.g. stroke-ich')
    .description('propose (and with --apply set) a site operating point from local evidence, with 95% CIs')
    .option('--target-sensitivity <s>', 'the sensitivity to reach on the local evidence, e.g. 0.95', unit)
    .option('--from <source>', "feedback: radiologists' verdicts on the model's findings (default)")
    .option('--labelled <dir>', 'folders with label.json and the DICOM files of one series each, scored by the installed pack')
    .option('--apply', 'make the proposal the site operating point (versioned, audited)')
    .option('--reason <text>', 'why, for the history (with --apply)')
    .option('--rollback <version>', 'put back an earlier site operating point version, or "shipped" for the pack\'s own')
    .option('--json', 'print the proposal (or the new version) as JSON')
    .action(async (id: string, o: CalibrateOptions) => {
      if (o.rollback !== undefined) {
        await withModelSite('calibrate --rollback', { model: id, to: o.rollback }, (db, config, author) => {
          const { site, manifest } = open(db, config, id);
          const to = o.rollback === 'shipped' ? 'shipped' : versionNumber(o.rollback!);
          const v = site.rollbackSitePoint(id, manifest.version, to, author);
          print(
            o,
            v,
            `${id} ${manifest.version}: operating point version ${v.version} is ${v.source === 'site' ? `site, threshold ${v.threshold}` : 'the shipped one'}`,
          );
        });
        return;
      }
      if (o.targetSensitivity === undefined) throw new VigilError('BAD_REQUEST', 'give --target-sensitivity (or --rollback)');
      if (o.labelled && o.from && o.from !== 'labelled') throw new VigilError('BAD_REQUEST', '--labelled reads labelled studies: leave out --from');
      if (o.from && o.from !== 'feedback' && o.from !== 'labelled') throw new VigilError('BAD_REQUEST', '--from feedback, or --labelled <dir>');
      if (o.from === 'labelled' && !o.labelled) throw new VigilError('BAD_REQUEST', '--from labelled needs --labelled <dir>');
      const params = { model: id, targetSensitivity: String(o.targetSensitivity), from: o.labelled ? 'labelled' : 'feedback' };
      await withModelSite(o.apply ? 'calibrate --apply' : undefined, params, async (db, config, author) => {
        const { site, manifest } = open(db, config, id);
        const cases = o.labelled ? await scoreLabelled(path.join(config.triage.modelsDir, id), o.labelled) : undefined;
        const proposal = proposalFor(
          manifest,
          site,
          { targetSensitivity: o.targetSensitivity!, from: cases ? 'labelled' : 'feedback', cases },
          config.triage.calibration,
        );
        if (!o.apply) {
          print(o, proposal, describe(proposal).concat('not applied: add --apply to make it the site operating point').join('\n'));
          return;
        }
        const v = site.applySitePoint(proposal, author, o.reason);
        print(
          o,
          v,
          describe(proposal).concat(`applied: site operating point v${v.version} decides ${id} ${manifest.version} from its next finding`).join('\n'),
        );
      });
    });
}

async function scoreLabelled(packDir: string, dir: string): Promise<LabelledScore[]> {
  const studies = findLabelledStudies(dir);
  const scorer = await loadPackScorer(packDir);
  try {
    const cases: LabelledScore[] = [];
    for (const s of studies) cases.push({ score: await scorer.score(s.files), label: s.label });
    return cases;
  } finally {
    await scorer.close();
  }
}

/** The proposal in words: every figure with its interval and the counts behind it. */
export function describe(p: CalibrationProposal): string[] {
  const evidence = p.from === 'feedback' ? "radiologists' verdicts on its findings" : 'labelled local studies';
  return [
    `${p.modelId} ${p.packVersion}: site operating point for sensitivity >= ${p.targetSensitivity}, from ${evidence}`,
    `  evidence: ${p.positives} with the finding, ${p.negatives} without${p.excluded ? `, ${p.excluded} left out (radiologists split)` : ''}`,
    ...figures(`proposed threshold ${p.threshold.toFixed(4)}`, p),
    ...figures(`shipped "${p.shipped.name}" threshold ${p.shipped.threshold.toFixed(4)}, same cases`, p.shipped),
  ];
}

function figures(title: string, p: PointOnEvidence): string[] {
  const c = p.confusion;
  return [
    `  ${title}: TP ${c.tp}, FP ${c.fp}, TN ${c.tn}, FN ${c.fn}`,
    `    sensitivity ${prop(p.sensitivity)}`,
    `    specificity ${prop(p.specificity)}`,
    `    PPV         ${prop(p.ppv)}`,
  ];
}

function prop(p: Proportion): string {
  if (p.value === null || !p.ci95) return `- (0 cases)`;
  return `${p.value.toFixed(3)} (95% CI ${p.ci95[0].toFixed(3)}-${p.ci95[1].toFixed(3)}; ${p.count}/${p.total})`;
}

function print(o: CalibrateOptions, json: unknown, text: string): void {
  process.stdout.write(o.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}

function unit(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError('expected a number above 0 and at most 1');
  return n;
}
