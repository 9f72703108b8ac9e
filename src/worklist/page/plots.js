// Small SVG plots for the monitoring page, drawn by our own code (no library, nothing fetched):
// elements made with createElementNS and presentation attributes only, so the page's strict CSP
// (no inline style, no inline script) holds. Each plot is an <svg role="img"> with a label that
// says what it shows, and a <title> on each mark with its numbers.

import { percent } from './format.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 520;
const H = 220;
// The legend sits in a row under the x axis, never over the data.
const PAD = { left: 44, right: 12, top: 24, bottom: 50 };

function svgEl(name, attrs = {}, ...children) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

function frame(label, klass) {
  return svgEl('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': label, class: `plot ${klass}` });
}

function axes(svg, yMax, yLabel, xLabels) {
  const x0 = PAD.left;
  const y0 = H - PAD.bottom;
  svg.append(svgEl('line', { x1: x0, y1: y0, x2: W - PAD.right, y2: y0, class: 'plot-axis' }));
  svg.append(svgEl('line', { x1: x0, y1: PAD.top, x2: x0, y2: y0, class: 'plot-axis' }));
  for (const f of [0, 0.5, 1]) {
    const y = y0 - f * (y0 - PAD.top);
    svg.append(svgEl('text', { x: x0 - 4, y: y + 4, 'text-anchor': 'end', class: 'plot-tick' }, percent(f * yMax)));
  }
  svg.append(svgEl('text', { x: 4, y: 12, class: 'plot-tick' }, yLabel));
  for (const { x, text } of xLabels) svg.append(svgEl('text', { x, y: y0 + 14, 'text-anchor': 'middle', class: 'plot-tick' }, text));
}

/**
 * Score histogram of the window's findings (shares per bin) against the validation baseline's,
 * with the threshold of the newest finding as a vertical line.
 */
export function scoreHistogram(modelId, hist, threshold) {
  const total = (counts) => counts.reduce((a, b) => a + b, 0) || 1;
  const prod = hist.production.map((c) => c / total(hist.production));
  const base = hist.baseline ? hist.baseline.map((c) => c / total(hist.baseline)) : null;
  const yMax = Math.max(0.05, ...prod, ...(base ?? []));
  const svg = frame(`Score histogram of ${modelId}: this site's scores${base ? ' against the validation baseline' : ''}`, 'plot-histogram');
  const x = (score) => PAD.left + score * (W - PAD.left - PAD.right);
  const y = (share) => H - PAD.bottom - (share / yMax) * (H - PAD.top - PAD.bottom);
  axes(
    svg,
    yMax,
    'share of scores',
    [0, 0.25, 0.5, 0.75, 1].map((s) => ({ x: x(s), text: String(s) })),
  );
  hist.edges.slice(0, -1).forEach((lo, i) => {
    const hi = hist.edges[i + 1];
    const left = x(lo) + 1;
    const width = Math.max(1, x(hi) - x(lo) - 2);
    const range = `${lo}–${hi}`;
    if (base) {
      svg.append(
        svgEl(
          'rect',
          { x: left, y: y(base[i]), width, height: y(0) - y(base[i]), class: 'plot-base' },
          svgEl('title', {}, `baseline ${range}: ${percent(base[i])}`),
        ),
      );
    }
    svg.append(
      svgEl(
        'rect',
        { x: left + width / 4, y: y(prod[i]), width: width / 2, height: y(0) - y(prod[i]), class: 'plot-prod' },
        svgEl('title', {}, `this site ${range}: ${hist.production[i]} (${percent(prod[i])})`),
      ),
    );
  });
  if (threshold !== null) {
    svg.append(
      svgEl('line', { x1: x(threshold), y1: PAD.top, x2: x(threshold), y2: y(0), class: 'plot-threshold' }, svgEl('title', {}, `threshold ${threshold}`)),
    );
  }
  svg.append(legend([['plot-prod', 'this site'], ...(base ? [['plot-base', 'validation baseline']] : []), ['plot-threshold-key', 'threshold']]));
  return svg;
}

/** Positive rate per UTC day (days with findings), against the validated rate as a dashed line. */
export function positiveRateByDay(modelId, daily, validated) {
  const days = daily.filter((d) => d.volume > 0);
  const rates = days.map((d) => d.positives / d.volume);
  const yMax = Math.min(1, Math.max(0.1, ...rates, validated ?? 0) * 1.25);
  const svg = frame(`Positive rate of ${modelId} per day${validated === null ? '' : ' against the validated rate'}`, 'plot-rate');
  const n = daily.length;
  const x = (i) => PAD.left + ((i + 0.5) / n) * (W - PAD.left - PAD.right);
  const y = (r) => H - PAD.bottom - (r / yMax) * (H - PAD.top - PAD.bottom);
  const ticks = [0, Math.floor((n - 1) / 2), n - 1].filter((v, i, a) => a.indexOf(v) === i).map((i) => ({ x: x(i), text: daily[i].day.slice(5) }));
  axes(svg, yMax, 'positive rate', ticks);
  if (validated !== null) {
    svg.append(
      svgEl(
        'line',
        { x1: PAD.left, y1: y(validated), x2: W - PAD.right, y2: y(validated), class: 'plot-validated' },
        svgEl('title', {}, `validated rate ${percent(validated)}`),
      ),
    );
  }
  const points = daily.map((d, i) => (d.volume > 0 ? [x(i), y(d.positives / d.volume), d] : null)).filter(Boolean);
  if (points.length > 1) svg.append(svgEl('polyline', { points: points.map(([px, py]) => `${px},${py}`).join(' '), class: 'plot-line' }));
  for (const [px, py, d] of points) {
    svg.append(
      svgEl(
        'circle',
        { cx: px, cy: py, r: 3.5, class: 'plot-point' },
        svgEl('title', {}, `${d.day}: ${d.positives}/${d.volume} positive (${percent(d.positives / d.volume)})`),
      ),
    );
  }
  svg.append(legend([['plot-point', 'this site'], ...(validated === null ? [] : [['plot-validated-key', 'validated']])]));
  return svg;
}

function legend(items) {
  const g = svgEl('g', { class: 'plot-legend' });
  items.forEach(([klass, text], i) => {
    const x = PAD.left + i * 150;
    const y = H - 8;
    g.append(svgEl('rect', { x, y: y - 8, width: 10, height: 10, class: `${klass} plot-key` }), svgEl('text', { x: x + 14, y, class: 'plot-tick' }, text));
  });
  return g;
}
