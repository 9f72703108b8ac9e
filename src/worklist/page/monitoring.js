// Per-model figures: volume, positive rate, PPV from feedback, score drift against the baseline.

import { api, ApiError, currentSession, savedToken } from './api.js';
import { el } from './list.js';
import { percent } from './format.js';

const $ = (id) => document.getElementById(id);

const DRIFT_LABEL = { ok: 'stable', drift: 'DRIFT', insufficient: 'too few scores', 'no-baseline': 'no baseline' };

function ppvText(ppv) {
  if (ppv.value === null) return 'no verdicts yet';
  return `${percent(ppv.value)} (${ppv.count}/${ppv.total}; 95% CI ${percent(ppv.ci95[0])}–${percent(ppv.ci95[1])})`;
}

function modelSection(m) {
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
    rows.push(el('tr', { class: 'no-data' }, el('td', { colspan: '7' }, 'No data yet: figures are computed each night (UTC) for the day before, the first the night after this model\'s first finding.')));
  }
  const baseline = m.baseline.state === 'found' ? `baseline: ${m.baseline.source}` : m.baseline.state === 'invalid' ? `baseline invalid: ${m.baseline.reason}` : 'no validation baseline in the pack (score-baseline.json)';
  return el(
    'section',
    { 'aria-labelledby': `m-${m.modelId}` },
    el('h2', { id: `m-${m.modelId}` }, m.modelId),
    el('p', {}, `PPV over ${m.ppvWindowDays} days: ${ppvText(m.ppv)} · ${baseline}`),
    el(
      'table',
      { 'aria-label': `Daily figures of ${m.modelId}` },
      el('thead', {}, el('tr', {}, ...['Day (UTC)', 'Findings', 'Positive rate', 'PPV (verdicts)', 'Scores in window', 'PSI', 'Drift'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows),
    ),
  );
}

async function load() {
  // Signed in with a token in this tab, or through the hospital's provider (the session cookie).
  if (!savedToken() && !(await currentSession().catch(() => null))) {
    $('error').replaceChildren('Sign in on the ', el('a', { href: '/' }, 'worklist'), ' first.');
    return;
  }
  try {
    const { models } = await api.monitoring();
    $('models').replaceChildren(...(models.length ? models.map(modelSection) : [el('p', { class: 'muted' }, 'No model has made a finding on this node yet.')]));
  } catch (err) {
    $('error').textContent = err instanceof ApiError && err.status === 401 ? 'Your token no longer works: sign in on the worklist again.' : err.message;
  }
}

load();
