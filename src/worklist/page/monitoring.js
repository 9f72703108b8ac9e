// Per-model figures: volume, positive rate, PPV from feedback, score drift against the baseline.

import { api, ApiError, currentSession, savedToken } from './api.js';
import { el } from './list.js';
import { percent } from './format.js';
import { positiveRateByDay, scoreHistogram } from './plots.js';

const $ = (id) => document.getElementById(id);

const DRIFT_LABEL = { ok: 'stable', drift: 'DRIFT', insufficient: 'too few scores', 'no-baseline': 'no baseline' };

function ppvText(ppv) {
  if (ppv.value === null) return 'no verdicts yet';
  return `${percent(ppv.value)} (${ppv.count}/${ppv.total}; 95% CI ${percent(ppv.ci95[0])}–${percent(ppv.ci95[1])})`;
}

function proportionText(p) {
  if (p.value === null) return '– (no cases)';
  return `${percent(p.value)} (${p.count}/${p.total}; 95% CI ${percent(p.ci95[0])}–${percent(p.ci95[1])})`;
}

/** Whether this model may go (or stay) live here: its figures over the window, and two plots. */
function goLiveSection(m, model) {
  const g = m.goLive;
  if (!g) return null;
  const point = model?.operatingPointInForce;
  const pointText = point
    ? point.source === 'site'
      ? `site operating point v${point.version} (threshold ${point.threshold})`
      : `shipped operating point "${point.name}" (threshold ${point.threshold})`
    : 'operating point unknown';
  const modeText =
    model?.mode === 'shadow' ? 'SHADOW: runs silent (no alert, no priority) until IT makes it live' : model?.mode === 'live' ? 'live' : 'mode unknown';
  const validated = g.validatedPositiveRate;
  const rows = [
    ['Mode', modeText],
    ['Deciding', pointText],
    ['Findings', `${g.volume}${g.shadow ? ` (${g.shadow} in shadow)` : ''}`],
    [
      'Positive rate',
      `${proportionText(g.positiveRate)}${validated ? ` · validated ${percent(validated.value)} at threshold ${validated.threshold}` : ' · no validation baseline'}`,
    ],
    ['Agreement with radiologists', proportionText(g.agreement)],
    ['Sensitivity (from verdicts)', proportionText(g.sensitivity)],
    ['Specificity (from verdicts)', proportionText(g.specificity)],
    ['PPV (from verdicts)', proportionText(g.ppv)],
  ];
  const drift = m.days[0] ? DRIFT_LABEL[m.days[0].drift] : 'not computed yet';
  rows.push(['Drift (last computed day)', drift]);
  return el(
    'div',
    { class: 'go-live', 'data-model-id': m.modelId },
    el('h3', {}, `Go-live view, last ${g.windowDays} days`),
    el(
      'table',
      { class: 'go-live-figures', 'aria-label': `Go-live figures of ${m.modelId}` },
      el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v)))),
    ),
    el(
      'div',
      { class: 'plots' },
      scoreHistogram(m.modelId, g.histogram, validated ? validated.threshold : (point?.threshold ?? null)),
      positiveRateByDay(m.modelId, g.daily, validated ? validated.value : null),
    ),
  );
}

function modelSection(m, model) {
  const rows = m.days.map((d) =>
    el(
      'tr',
      {},
      el('td', {}, d.day),
      el('td', {}, String(d.volume)),
      el('td', {}, d.volume > 0 ? percent(d.positives / d.volume) : '–'),
      el('td', {}, d.agree + d.disagree > 0 ? `${percent(d.agree / (d.agree + d.disagree))} (${d.agree}/${d.agree + d.disagree})` : '–'),
      el('td', {}, String(d.windowScores)),
      el('td', {}, d.psi === null ? '–' : d.psi.toFixed(3)),
      el('td', { class: `drift-${d.drift}` }, DRIFT_LABEL[d.drift]),
    ),
  );
  // An empty table reads as broken: say why there is nothing yet.
  if (rows.length === 0) {
    rows.push(
      el(
        'tr',
        { class: 'no-data' },
        el(
          'td',
          { colspan: '7' },
          "No data yet: figures are computed each night (UTC) for the day before, the first the night after this model's first finding.",
        ),
      ),
    );
  }
  const baseline =
    m.baseline.state === 'found'
      ? `baseline: ${m.baseline.source}`
      : m.baseline.state === 'invalid'
        ? `baseline invalid: ${m.baseline.reason}`
        : 'no validation baseline in the pack (score-baseline.json)';
  return el(
    'section',
    { 'aria-labelledby': `m-${m.modelId}` },
    el('h2', { id: `m-${m.modelId}` }, m.modelId),
    el('p', {}, `PPV over ${m.ppvWindowDays} days: ${ppvText(m.ppv)} · ${baseline}`),
    el(
      'table',
      { 'aria-label': `Daily figures of ${m.modelId}` },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Day (UTC)', 'Findings', 'Positive rate', 'PPV (verdicts)', 'Scores in window', 'PSI', 'Drift'].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
    ...[goLiveSection(m, model)].filter(Boolean),
  );
}

async function load() {
  // Signed in with a token in this tab, or through the hospital's provider (the session cookie).
  if (!savedToken() && !(await currentSession().catch(() => null))) {
    $('error').replaceChildren('Sign in on the ', el('a', { href: '/' }, 'worklist'), ' first.');
    return;
  }
  try {
    const [{ models }, packs] = await Promise.all([api.monitoring(), api.models().catch(() => [])]);
    const packOf = new Map(packs.map((p) => [p.id, p]));
    $('models').replaceChildren(
      ...(models.length
        ? models.map((m) => modelSection(m, packOf.get(m.modelId)))
        : [el('p', { class: 'muted' }, 'No model has made a finding on this node yet.')]),
    );
  } catch (err) {
    $('error').textContent = err instanceof ApiError && err.status === 401 ? 'Your token no longer works: sign in on the worklist again.' : err.message;
  }
}

load();
