import type { RocPoint } from '../../core/statistics/roc.js';

export interface RocSeries {
  name: string;
  points: RocPoint[];
  auc: number | null;
}

const COLOURS = ['#1f4e9c', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4b5563'];

/**
 * An ROC plot as a standalone SVG: one step curve per series, the chance diagonal, and the
 * operating point (sensitivity and 1 − specificity at the threshold) as a marked dot.
 */
export function rocSvg(title: string, series: RocSeries[], operatingPoint: { fpr: number; tpr: number; label: string } | null): string {
  const size = 360;
  const left = 56;
  const top = 36;
  const x = (fpr: number) => left + fpr * size;
  const y = (tpr: number) => top + (1 - tpr) * size;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + size + 200}" height="${top + size + 56}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#333"/>`);
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    parts.push(`<line x1="${x(v)}" y1="${top}" x2="${x(v)}" y2="${top + size}" stroke="#eee"/>`);
    parts.push(`<line x1="${left}" y1="${y(v)}" x2="${left + size}" y2="${y(v)}" stroke="#eee"/>`);
    if (i % 2 === 0) {
      parts.push(`<text x="${x(v)}" y="${top + size + 16}" text-anchor="middle">${v.toFixed(1)}</text>`);
      parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
    }
  }
  parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>`);
  parts.push(`<text x="${left + size / 2}" y="${top + size + 36}" text-anchor="middle">1 − specificity (false positive rate)</text>`);
  parts.push(`<text transform="translate(16 ${top + size / 2}) rotate(-90)" text-anchor="middle">sensitivity (true positive rate)</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    // A step curve: vertical moves at equal false positive rates, then horizontal.
    const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.fpr).toFixed(2)},${y(p.tpr).toFixed(2)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    const ly = top + 14 + i * 18;
    parts.push(`<line x1="${left + size + 14}" y1="${ly - 4}" x2="${left + size + 34}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${left + size + 40}" y="${ly}">${esc(s.name)}${s.auc === null ? '' : ` (AUC ${s.auc.toFixed(3)})`}</text>`);
  });
  if (operatingPoint) {
    parts.push(`<circle cx="${x(operatingPoint.fpr)}" cy="${y(operatingPoint.tpr)}" r="5" fill="none" stroke="#000" stroke-width="2"/>`);
    parts.push(`<text x="${x(operatingPoint.fpr) + 8}" y="${y(operatingPoint.tpr) + 16}">${esc(operatingPoint.label)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
