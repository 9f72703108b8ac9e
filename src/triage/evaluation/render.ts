import type { Metrics } from './metrics.js';
import type { Proportion } from '../../core/statistics/proportion.js';
import type { EvaluationReport } from './report.js';

/** The report as Markdown, the way model cards quote it. */
export function reportMarkdown(r: EvaluationReport, title = 'Evaluation'): string {
  const lines = [
    `### ${title}`,
    '',
    `Threshold ${fmt(r.threshold, 4)} (${r.thresholdSource}); score ≥ threshold is positive. ${r.intervals}.`,
    '',
    '| group | n (pos/neg) | TP/FP/TN/FN | sensitivity | specificity | PPV | NPV | AUROC |',
    '|---|---|---|---|---|---|---|---|',
    row('all', r.overall),
  ];
  for (const [column, groups] of Object.entries(r.subgroups)) {
    for (const g of groups) lines.push(row(`${column} = ${g.value || '(empty)'}`, g.metrics));
  }
  const prev = r.overall.atPrevalence;
  if (prev) {
    lines.push(
      '',
      `At an assumed prevalence of ${fmt(prev.prevalence * 100, 1)} %: PPV ${fmt(prev.ppv, 3)}, NPV ${fmt(prev.npv, 3)} (point estimates from the sensitivity and specificity above).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function row(name: string, m: Metrics): string {
  const c = m.confusion;
  const auc = m.auroc.value === null ? '—' : `${fmt(m.auroc.value, 3)} [${fmt(m.auroc.ci95![0], 3)}, ${fmt(m.auroc.ci95![1], 3)}]`;
  return `| ${name} | ${m.n} (${m.positives}/${m.negatives}) | ${c.tp}/${c.fp}/${c.tn}/${c.fn} | ${prop(m.sensitivity)} | ${prop(m.specificity)} | ${prop(m.ppv)} | ${prop(m.npv)} | ${auc} |`;
}

function prop(p: Proportion): string {
  return p.value === null ? '—' : `${fmt(p.value, 3)} [${fmt(p.ci95![0], 3)}, ${fmt(p.ci95![1], 3)}]`;
}

function fmt(x: number | null, digits: number): string {
  return x === null ? '—' : x.toFixed(digits);
}
