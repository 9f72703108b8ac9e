// The selected study: why it is where it is, the key image with its heat map, and the actions.

import { api, savedToken } from './api.js';
import { keyPlaceText, percent, personName, PRIORITY_LABEL, STATUS_LABEL, time } from './format.js';
import { el, priorityBadge } from './list.js';

const $ = (id) => document.getElementById(id);

const BASE_SOURCE = { order: 'from the RIS order', rule: 'from a routing rule', default: 'no order or rule' };

let shownImageFor = null;
let imageUrl = null;

function fact(dl, term, value) {
  if (value === null || value === undefined || value === '') return;
  dl.append(el('dt', {}, term), el('dd', {}, value));
}

/** The finding the verdict buttons are about: the one behind the raise, else the first positive. */
export function findingInFocus(entry) {
  return entry?.reason ?? entry?.findings.find((f) => f.positive) ?? entry?.findings[0] ?? null;
}

export function renderDetail(entry, viewer) {
  const body = $('detail-body');
  if (!entry) {
    $('detail-title').textContent = 'Select a study';
    body.hidden = true;
    return;
  }
  body.hidden = false;
  const who = entry.patientHidden ? 'Patient hidden' : personName(entry.patient?.name) || '(no name)';
  $('detail-title').textContent = `${who} · ${entry.accessionNumber ?? 'no accession'}`;
  $('detail-priority').replaceChildren(priorityBadge(entry.priority, entry.priority.raisedByAi), ' ', entry.why);

  const facts = $('detail-facts');
  facts.replaceChildren();
  fact(facts, 'Description', entry.description);
  fact(facts, 'Modality', entry.modalities.join(', '));
  fact(facts, 'Received', time(entry.receivedAt));
  // The site's own viewer (worklist.viewerUrlTemplate): a new tab, which learns nothing of this page.
  // The node's own viewer (OHIF at /viewer/). Signed in with a typed token, it opens in this tab,
  // whose sessionStorage holds the token it signs its requests with; with the hospital sign-in
  // the session cookie goes with a new tab too.
  if (entry.studyViewerUrl) {
    const tab = savedToken() ? {} : { target: '_blank', rel: 'noopener noreferrer' };
    facts.append(el('dt', {}, 'Images'), el('dd', {}, el('a', { href: entry.studyViewerUrl, ...tab, id: 'study-viewer-link' }, 'Open in the viewer')));
  }
  if (entry.viewerUrl)
    facts.append(
      el('dt', {}, 'Viewer'),
      el('dd', {}, el('a', { href: entry.viewerUrl, target: '_blank', rel: 'noopener noreferrer', id: 'viewer-link' }, 'Open in the hospital viewer')),
    );
  fact(facts, 'Base priority', `${PRIORITY_LABEL[entry.priority.base]} (${BASE_SOURCE[entry.priority.baseSource]})`);
  if (entry.order)
    fact(
      facts,
      'Order',
      `${entry.order.procedure.text ?? entry.order.procedure.code ?? 'procedure not named'} · HL7 ${entry.order.hl7Priority || 'R'} · ${entry.order.state}`,
    );
  const f = findingInFocus(entry);
  if (f) {
    fact(facts, 'AI finding', `${f.positive ? '' : 'negative: '}${f.concept.display}${f.critical ? ' (critical)' : ''}`);
    // Which operating point decided it: the site's own (with its version) or the pack's shipped one.
    const decided = f.decidedBy?.source === 'site' ? `site operating point v${f.decidedBy.version}` : `shipped operating point "${f.operatingPoint}"`;
    fact(facts, 'Probability', `${percent(f.probability)} (threshold ${percent(f.threshold)}, ${decided})`);
    // The device UID (a 38-digit number) means nothing at the reading desk: support finds it in the tooltip and the API.
    facts.append(el('dt', {}, 'Model'), el('dd', { title: `device UID ${f.model.deviceUid}` }, `${f.model.id} ${f.model.version}`));
    // A result on part of a series must not read as covering images the model never saw.
    if (f.incompleteSeries) fact(facts, 'Series', `incomplete: the model saw ${f.incompleteSeries.images} of ${f.incompleteSeries.announced} images`);
    // Nor may a negative read as ruling out what the model was never made to find.
    if (f.model.scope) fact(facts, 'Scope', f.model.scope);
  }

  // Above the key image, not only among the facts below the fold: a result on part of a series.
  const caveat = f?.incompleteSeries ? `Partial result: the model saw ${f.incompleteSeries.images} of ${f.incompleteSeries.announced} images.` : '';
  $('detail-caveat').textContent = caveat;
  $('detail-caveat').hidden = caveat === '';

  renderKeyImage(f);
  renderAlert(entry, viewer);
  renderReading(entry, viewer);
  renderFeedback(entry, f, viewer);

  $('findings').replaceChildren(
    ...entry.findings.map((r) =>
      el(
        'li',
        {},
        `${r.preliminary ? 'PRELIMINARY (series still arriving) · ' : ''}${r.positive ? 'Positive' : 'Negative'}: ${r.concept.display} ${percent(r.probability)} · ${r.model.id} ${r.model.version}${r.aiPriority ? ` · asks ${PRIORITY_LABEL[r.aiPriority]}` : ''}${r.incompleteSeries ? ` · on ${r.incompleteSeries.images} of ${r.incompleteSeries.announced} images` : ''}${r.model.scope ? ` · ${r.model.scope}` : ''}`,
      ),
    ),
  );
  if (entry.findings.length === 0) $('findings').replaceChildren(el('li', { class: 'muted' }, 'No AI result yet.'));
}

/** Sign-out: the key image's blob URL is revoked, so nothing of it stays in this tab. */
export function forgetKeyImage() {
  if (imageUrl) URL.revokeObjectURL(imageUrl);
  imageUrl = null;
  shownImageFor = null;
}

async function renderKeyImage(f) {
  const img = $('key-image');
  const caption = $('key-caption');
  const key = f?.keyImage ?? null;
  $('key-place').textContent = keyPlaceText(f?.keyImagePlace ?? null);
  if (key === shownImageFor) return;
  shownImageFor = key;
  if (imageUrl) URL.revokeObjectURL(imageUrl);
  imageUrl = null;
  img.hidden = true;
  img.removeAttribute('src');
  if (!key) {
    caption.textContent = f ? 'No key image for this finding.' : '';
    return;
  }
  caption.textContent = 'Loading the key image…';
  try {
    const url = await api.keyImage(key);
    if (shownImageFor !== key) {
      // Another study was selected, or the user signed out, meanwhile: keep nothing of it.
      if (url) URL.revokeObjectURL(url);
      return;
    }
    if (!url) {
      caption.textContent = 'The key image is not available.';
      return;
    }
    imageUrl = url;
    img.src = url;
    img.alt = `Key image of the ${f.concept.display} finding, with the model's heat map over it`;
    img.hidden = false;
    caption.textContent = `Heat map: where ${f.model.id} looked, not a segmentation.`;
  } catch {
    caption.textContent = 'The key image could not be loaded.';
  }
}

function canAct(viewer) {
  return viewer && (viewer.role === 'radiologist' || viewer.role === 'admin');
}

const ALERT_STATE_TEXT = {
  open: (kind) => `${kind} open: not acknowledged yet.`,
  acknowledged: (kind, a) => `${kind} acknowledged by ${a.acknowledgedBy}.`,
  withdrawn: (kind) => `${kind} withdrawn: run again on a later version of the series, the model was negative. The study still needs its reading.`,
};

function renderAlert(entry, viewer) {
  const a = entry.alert;
  const ack = $('ack');
  if (!a) {
    $('alert-state').textContent = 'No alert for this study.';
    ack.disabled = true;
    ack.textContent = 'Acknowledge alert';
    return;
  }
  const kind = a.critical ? 'Critical alert' : 'Alert';
  $('alert-state').textContent = ALERT_STATE_TEXT[a.state]?.(kind, a) ?? `${kind} ${a.state}.`;
  ack.disabled = !(a.state === 'open' && canAct(viewer));
  ack.textContent = a.state === 'acknowledged' ? `Acknowledged by ${a.acknowledgedBy}` : 'Acknowledge alert';
  ack.dataset.state = a.state;
}

function renderReading(entry, viewer) {
  const s = entry.status;
  const me = viewer?.name;
  $('reading-state').textContent =
    s === 'in-progress'
      ? `In progress: ${entry.claimedBy}${entry.claimedBy === me ? ' (you)' : ''}`
      : s === 'read'
        ? `Read by ${entry.readBy} at ${time(entry.readAt)}`
        : STATUS_LABEL[s];
  const act = canAct(viewer);
  $('claim').disabled = !act || s !== 'unread';
  $('release').disabled = !act || s !== 'in-progress' || (entry.claimedBy !== me && viewer.role !== 'admin');
  $('mark-read').disabled = !act || s === 'read' || (s === 'in-progress' && entry.claimedBy !== me);
}

function renderFeedback(entry, f, viewer) {
  const act = canAct(viewer) && f !== null;
  $('agree').disabled = !act;
  $('disagree').disabled = !act;
  $('feedback-comment').disabled = !act;
  const given = f?.feedback ?? [];
  $('feedback-list').replaceChildren(...given.map((fb) => el('li', {}, `${fb.by}: ${fb.verdict}${fb.comment ? ` — ${fb.comment}` : ''}`)));
}
