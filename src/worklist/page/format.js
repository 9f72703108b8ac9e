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

const MM = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'negative' });

/**
 * Where the key image is, as a PACS viewer numbers it: "Series 3 · image 42 · slice 2 of 60 ·
 * z −35.0 mm" (frame of a multi-frame instance, position when known). Empty when nothing is.
 */
export function keyPlaceText(place) {
  if (!place) return '';
  const parts = [];
  if (place.seriesNumber !== null) parts.push(`Series ${place.seriesNumber}${place.seriesDescription ? ` (${place.seriesDescription})` : ''}`);
  if (place.instanceNumber !== null) parts.push(`image ${place.instanceNumber}${place.frame !== null ? `, frame ${place.frame} of ${place.frames}` : ''}`);
  else if (place.frame !== null) parts.push(`frame ${place.frame} of ${place.frames}`);
  if (place.slice !== null && (place.seriesImages ?? 0) > 1) parts.push(`slice ${place.slice} of ${place.seriesImages}`);
  else if (place.slice !== null && place.frames !== null) parts.push(`slice ${place.slice} of ${place.frames}`);
  if (place.location) parts.push(`${place.location.from === 'SliceLocation' ? 'location' : 'z'} ${MM.format(place.location.mm).replace('-', '−')} mm`);
  if (parts.length === 0) return '';
  const text = parts.join(' · ');
  return text[0].toUpperCase() + text.slice(1);
}

export const PRIORITY_LABEL = { stat: 'STAT', urgent: 'Urgent', routine: 'Routine' };
export const STATUS_LABEL = { unread: 'Unread', 'in-progress': 'In progress', read: 'Read' };

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}
