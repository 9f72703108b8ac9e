// The list: one row per study, in the server's order (STAT, urgent, routine; oldest first).
// Built with textContent only: nothing from the API is ever parsed as HTML.

import { personName, PRIORITY_LABEL, STATUS_LABEL, waited } from './format.js';

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

function patientCell(entry) {
  if (entry.patientHidden) return el('span', { class: 'muted' }, 'hidden for this role');
  const p = entry.patient;
  return el('span', {}, el('span', { class: 'name' }, personName(p?.name) || '(no name)'), p?.id ? el('span', { class: 'pid' }, p.id) : null);
}

function statusCell(entry) {
  const label = STATUS_LABEL[entry.status];
  if (entry.status === 'in-progress') return `${label}: ${entry.claimedBy}`;
  if (entry.status === 'read') return `${label} by ${entry.readBy}`;
  return label;
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
      el('td', { class: 'c-why' }, alertOpen ? el('span', { class: 'bell', 'aria-label': 'open alert' }, '● ') : null, e.why),
      el('td', { class: 'c-patient' }, patientCell(e)),
      el('td', { class: 'c-accession' }, e.accessionNumber ?? ''),
      el('td', { class: 'c-modality' }, e.modalities.join(', ')),
      el('td', { class: 'c-description' }, e.description ?? ''),
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
