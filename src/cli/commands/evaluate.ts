import fs from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { VigilError } from '../../core/errors.js';
import { findLabelledStudies } from '../../triage/evaluation/labelled-studies.js';
import { loadPackScorer } from '../../triage/evaluation/pack-scorer.js';
import { evaluateScores } from '../../triage/evaluation/report.js';
import { reportMarkdown } from '../../triage/evaluation/render.js';
import { chooseThreshold, rocCurve, type Target } from '../../core/statistics/roc.js';
import { rocSvg } from '../../triage/evaluation/roc-svg.js';
import { readScoresCsv, type ScoredStudy, scoresToCsv } from '../../triage/evaluation/scores.js';
import { readManifest } from '../../triage/manifest-file.js';

interface EvaluateOptions {
  scores?: string;
  studies?: string;
  pack?: string;
  threshold?: number;
  operatingPoint?: string;
  choose?: string[];
  subgroups?: string;
  auroc: 'delong' | 'bootstrap';
  resamples: number;
  bootstrapSeed: number;
  prevalence?: number;
  rocBy?: string;
  title?: string;
  out?: string;
}

/**
 * `vigil evaluate`: sensitivity, specificity, PPV, NPV and AUROC with 95 % intervals, overall and
 * per subgroup, and an ROC plot, from a CSV of scores or from labelled study folders scored by a
 * model pack. `--choose` picks thresholds for targets on a validation split (never the test set).
 */
export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('validate a model: metrics with 95% CIs per subgroup and an ROC plot, from scores or labelled studies')
    .option('--scores <csv>', 'CSV with columns study, label (0/1), score, and any subgroup columns')
    .option('--studies <dir>', 'folders with label.json and the DICOM files of one series each (needs --pack)')
    .option('--pack <dir>', 'model pack folder: scores --studies with it; its manifest gives the threshold')
    .option('--threshold <t>', 'score >= t is positive (overrides the pack)', finite)
    .option('--operating-point <name>', "the pack's operating point to use (default: its default)")
    .option('--choose <target...>', 'on this (validation) split, print thresholds for targets, e.g. specificity=0.9 sensitivity=0.95')
    .option('--subgroups <columns>', 'comma-separated subgroup columns (default: all)')
    .addOption(new Option('--auroc <method>', 'AUROC interval').choices(['delong', 'bootstrap']).default('delong'))
    .option('--resamples <n>', 'bootstrap resamples', positiveInt, 2000)
    .option('--bootstrap-seed <n>', 'bootstrap seed', positiveInt, 1)
    .option('--prevalence <p>', 'also give PPV and NPV at this assumed prevalence', unit)
    .option('--roc-by <column>', 'draw one ROC curve per value of this subgroup column')
    .option('--title <text>', 'title of the report and plot')
    .option('--out <dir>', 'write report.json, report.md, roc.svg (and scores.csv) there')
    .action(async (o: EvaluateOptions) => {
      const studies = await loadScores(o);
      if (o.choose) {
        process.stdout.write(`${JSON.stringify(choose(studies, o.choose), null, 2)}\n`);
        if (o.threshold === undefined && !o.pack) return;
      }
      const { threshold, source } = thresholdOf(o);
      const report = evaluateScores(studies, {
        threshold,
        thresholdSource: source,
        subgroupColumns: o.subgroups
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        auroc: { method: o.auroc, resamples: o.resamples, seed: o.bootstrapSeed },
        prevalence: o.prevalence ?? null,
      });
      const title = o.title ?? 'Evaluation';
      const markdown = reportMarkdown(report, title);
      process.stdout.write(markdown);
      if (o.out) {
        fs.mkdirSync(o.out, { recursive: true });
        fs.writeFileSync(path.join(o.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
        fs.writeFileSync(path.join(o.out, 'report.md'), markdown);
        const series = o.rocBy
          ? (report.subgroups[o.rocBy] ?? []).map((g) => {
              const members = studies.filter((s) => (s.subgroups[o.rocBy!] ?? '') === g.value);
              return { name: `${o.rocBy} ${g.value}`, points: curveOf(members), auc: g.metrics.auroc.value };
            })
          : [{ name: 'all', points: report.roc, auc: report.overall.auroc.value }];
        const m = report.overall;
        const point =
          m.sensitivity.value === null || m.specificity.value === null
            ? null
            : { fpr: 1 - m.specificity.value, tpr: m.sensitivity.value, label: `threshold ${threshold.toFixed(3)}` };
        fs.writeFileSync(path.join(o.out, 'roc.svg'), rocSvg(title, series, point));
        if (o.studies) fs.writeFileSync(path.join(o.out, 'scores.csv'), scoresToCsv(studies));
      }
    });
}

async function loadScores(o: EvaluateOptions): Promise<ScoredStudy[]> {
  if (o.scores && o.studies) throw new VigilError('BAD_REQUEST', 'give --scores or --studies, not both');
  if (o.scores) return readScoresCsv(o.scores);
  if (!o.studies) throw new VigilError('BAD_REQUEST', 'give --scores <csv> or --studies <dir> --pack <dir>');
  if (!o.pack) throw new VigilError('BAD_REQUEST', '--studies needs --pack: the model that scores them');
  const scorer = await loadPackScorer(o.pack);
  try {
    const out: ScoredStudy[] = [];
    for (const s of findLabelledStudies(o.studies)) {
      out.push({ study: s.study, label: s.label, score: await scorer.score(s.files), subgroups: s.subgroups });
      process.stderr.write(`\rscored ${out.length}`);
    }
    process.stderr.write('\n');
    return out;
  } finally {
    await scorer.close();
  }
}

function thresholdOf(o: EvaluateOptions): { threshold: number; source: string } {
  if (o.threshold !== undefined) return { threshold: o.threshold, source: 'given on the command line' };
  if (!o.pack) throw new VigilError('BAD_REQUEST', 'give --threshold, or --pack to use its operating point');
  const manifest = readManifest(path.join(o.pack, 'manifest.json'));
  const name = o.operatingPoint ?? manifest.defaultOperatingPoint;
  const point = manifest.operatingPoints.find((p) => p.name === name);
  if (!point) throw new VigilError('BAD_REQUEST', `pack ${manifest.id} has no operating point "${name}"`);
  return { threshold: point.threshold, source: `pack ${manifest.id} ${manifest.version}, operating point "${name}", chosen on its validation split` };
}

function choose(studies: ScoredStudy[], targets: string[]): unknown[] {
  const pos = studies.filter((s) => s.label === 1).map((s) => s.score);
  const neg = studies.filter((s) => s.label === 0).map((s) => s.score);
  return targets.map((t) => {
    const m = /^(specificity|sensitivity)=([0-9.]+)$/.exec(t);
    if (!m) throw new VigilError('BAD_REQUEST', `--choose ${t}: expected specificity=0.9 or sensitivity=0.95`);
    const target = { [m[1]!]: Number(m[2]) } as Target;
    const point = chooseThreshold(pos, neg, target);
    return point
      ? { target: t, threshold: point.threshold, sensitivity: point.tpr, specificity: 1 - point.fpr }
      : { target: t, threshold: null, reason: 'no threshold meets it on this data' };
  });
}

function curveOf(studies: ScoredStudy[]) {
  return rocCurve(
    studies.filter((s) => s.label === 1).map((s) => s.score),
    studies.filter((s) => s.label === 0).map((s) => s.score),
  );
}

function unit(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

function finite(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
