import type { Priority } from '../../domain/priority.js';

/**
 * HL7 v2 table 0027 (Priority) as the worklist reads it. Three levels are all a reading list
 * can act on, so:
 *
 * | code | table 0027 | worklist |
 * |---|---|---|
 * | S | STAT, with highest priority | stat |
 * | A | ASAP, fill after S orders | urgent |
 * | P | Preoperative, to be done before surgery | urgent |
 * | C | Callback, results phoned to the orderer | urgent |
 * | T | Timing critical, as near as possible to the requested time | urgent |
 * | R | Routine (the table's default) | routine |
 * | PRN | As needed | routine |
 * | (empty) | not sent: the default, R | routine |
 *
 * Every code that asks for more than routine but less than STAT becomes urgent: a preoperative
 * or callback study must not wait behind the routine pile. A code outside the table is refused
 * rather than read as routine: a site's own code for "urgent" must not silently sink.
 */
export const TABLE_0027: Readonly<Record<string, Priority>> = {
  S: 'stat',
  A: 'urgent',
  P: 'urgent',
  C: 'urgent',
  T: 'urgent',
  R: 'routine',
  PRN: 'routine',
  '': 'routine',
};

export function priorityOfHl7(code: string): Priority | undefined {
  return Object.hasOwn(TABLE_0027, code) ? TABLE_0027[code] : undefined;
}
