// The list: one row per study, in the server's order (STAT, urgent, routine; oldest first).
// Built with textContent only: nothing from the API is ever parsed as HTML.

import { percent, personName, PRIORITY_LABEL, STATUS_LABEL, waited } from './format.js';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function priorityBadge(priority, raisedByAi) {
  const badge = el('span', { class: `badge badge-${priority.effective}` }, PRIORITY_LABEL[priority.effective]);
  if (!raisedByAi) return badge;
  return el('span', { class: 'badge-group' }, badge, el('span', { class: 'badge badge-ai', title: `Raised by AI from ${priority.base}` }, 'AI ↑'));
}

/**
 * The why, short enough for one or two lines: for an AI raise the finding, probability and
 * model (the "AI ↑" badge beside it says it was raised, and from what); else the API's line.
 * The API's whole sentence is the cell's title and the detail pane's.
 */
function whyText(entry) {
  const r = entry.reason;
  if (!entry.priority.raisedByAi || !r) return entry.why;
  // "> 99.9%" kept on one line: a lone ">" at a line's end reads as nothing.
  // A preliminary result (part of a series still arriving) says so before anything else.
  const preliminary = r.preliminary
    ? el(
        'span',
        { class: 'badge badge-preliminary', title: 'Made on part of the series while it was still arriving; the complete series will confirm or withdraw it' },
        'PRELIMINARY',
      )
    : null;
  return el(
    'span',
    {},
    preliminary,
    `${r.critical ? 'Critical ' : ''}${r.concept.display} `,
    el('span', { class: 'nowrap' }, percent(r.probability)),
    ` · ${r.model.id} ${r.model.version}`,
  );
}

/** Name, then patient ID and accession on a second, smaller line: two lines at most. */
function patientCell(entry) {
  const second = [entry.patientHidden ? null : entry.patient?.id, entry.accessionNumber].filter(Boolean).join(' · ');
  const name = entry.patientHidden
    ? el('span', { class: 'muted' }, 'hidden for this role')
    : el('span', { class: 'name' }, personName(entry.patient?.name) || '(no name)');
  return el('span', {}, name, second ? el('span', { class: 'sub-line' }, second) : null);
}

function studyCell(entry) {
  return el(
    'span',
    {},
    el('span', { class: 'modality' }, entry.modalities.join(', ') || '–'),
    entry.description ? el('span', { class: 'sub-line' }, entry.description) : null,
  );
}

/** The status word, and who has the study on a second line (never cut off: it may be long). */
function statusCell(entry) {
  const label = el('span', { class: 'status' }, STATUS_LABEL[entry.status]);
  const who = entry.status === 'in-progress' ? entry.claimedBy : entry.status === 'read' ? `by ${entry.readBy}` : null;
  return el('span', {}, label, who ? el('span', { class: 'sub-line', title: who }, who) : null);
}

/** Waiting time as of now (the server's clock, offset by what the client's differs). */
export function waitingSeconds(entry, clockOffsetMs) {
  const end = entry.readAt ? Date.parse(entry.readAt) : Date.now() + clockOffsetMs;
  return (end - Date.parse(entry.receivedAt)) / 1000;
}

/**
 * Replaces the rows. The selected row keeps the selection (aria-selected, the one tab stop of
 * the grid); `flash` names studies that just became STAT.
 */
export function renderRows(tbody, entries, { selectedId, clockOffsetMs, flash = new Set() }) {
  const rows = entries.map((e, i) => {
    const selected = e.studyId === selectedId;
    const alertOpen = e.alert?.state === 'open';
    return el(
      'tr',
      {
        class: `row priority-${e.priority.effective}${flash.has(e.studyId) ? ' flash' : ''}${alertOpen ? ' alert-open' : ''}`,
        dataset: { studyId: e.studyId, priority: e.priority.effective, status: e.status },
        'aria-selected': selected ? 'true' : 'false',
        'aria-rowindex': i + 2,
        tabindex: selected ? 0 : -1,
      },
      el('td', { class: 'c-priority' }, priorityBadge(e.priority, e.priority.raisedByAi)),
      el('td', { class: 'c-why', title: e.why }, alertOpen ? el('span', { class: 'bell', 'aria-label': 'open alert' }, '● ') : null, whyText(e)),
      el('td', { class: 'c-patient' }, patientCell(e)),
      el('td', { class: 'c-study' }, studyCell(e)),
      el('td', { class: 'c-waiting', dataset: { waiting: '' } }, waited(waitingSeconds(e, clockOffsetMs))),
      el('td', { class: 'c-status' }, statusCell(e)),
    );
  });
  tbody.replaceChildren(...rows);
}

/** Refreshes only the waiting times (every few seconds, without a fetch). */
export function tickWaiting(tbody, entries, clockOffsetMs) {
  const byId = new Map(entries.map((e) => [e.studyId, e]));
  for (const row of tbody.rows) {
    const e = byId.get(row.dataset.studyId);
    if (e) row.querySelector('[data-waiting]').textContent = waited(waitingSeconds(e, clockOffsetMs));
  }
}

export { el };
