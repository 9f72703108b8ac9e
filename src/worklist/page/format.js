// How values read at a glance: names as people write them, waiting times in words.

/** DICOM PN "FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX" as "FAMILY, Given Middle". */
export function personName(pn) {
  if (!pn) return '';
  const [family = '', given = '', middle = ''] = pn.split('=')[0].split('^');
  const rest = [given, middle].filter(Boolean).join(' ');
  return rest ? `${family}, ${rest}` : family;
}

/** 42 s, 17 min, 3 h 05 min, 2 d 4 h. */
export function waited(seconds) {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))} s`;
  const min = Math.floor(seconds / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export { percent } from './percent.js';

export const PRIORITY_LABEL = { stat: 'STAT', urgent: 'Urgent', routine: 'Routine' };
export const STATUS_LABEL = { unread: 'Unread', 'in-progress': 'In progress', read: 'Read' };

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}
