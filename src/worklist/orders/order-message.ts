import type { Hl7Message, Segment } from '../../hl7/message.js';
import { valueOf } from '../../hl7/message.js';
import type { Priority } from '../../domain/priority.js';
import { priorityOfHl7 } from './table-0027.js';

export const ORDER_MESSAGE_TYPES = ['ORM^O01', 'OMI^O23'] as const;

/** ORC-1 order control codes we act on (HL7 table 0119), and what each makes of the order. */
const ORDER_CONTROLS: Readonly<Record<string, 'active' | 'cancelled'>> = {
  NW: 'active', // new order
  XO: 'active', // change order
  XX: 'active', // order changed, unsolicited
  SC: 'active', // status changed
  CA: 'cancelled', // cancel order request
  OC: 'cancelled', // order cancelled
  DC: 'cancelled', // discontinue order request
  OD: 'cancelled', // order discontinued
};

/** One requested procedure as the RIS sees it now. Carries no patient data but the accession. */
export interface OrderUpdate {
  accession: string;
  placerOrder: string | null;
  fillerOrder: string | null;
  procedureCode: string | null;
  procedureText: string | null;
  hl7Priority: string;
  priority: Priority;
  control: string;
  state: 'active' | 'cancelled';
}

/**
 * Why a message is refused, for the ACK. Our MLLP sender and most RIS engines retry on AE and
 * give up on AR, so: AR for what no retry can fix (the message type, a missing accession, a
 * code outside its table), AE only for our own transient trouble (see order-listener.ts).
 * errorCode is HL7 table 0357.
 */
export interface OrderRefusal {
  ack: 'AR' | 'AE';
  errorCode: '100' | '101' | '102' | '103' | '200' | '207';
  /** Our words: never quotes the message (it carries patient data). */
  reason: string;
}

export type OrderReading = { ok: true; orders: OrderUpdate[] } | { ok: false; refusal: OrderRefusal };

/**
 * Reads the orders of an ORM^O01 or OMI^O23: one per ORC and the segments after it.
 *
 * - Accession: IPC-1 (OMI^O23, IHE Scheduled Workflow), else OBR-18 (ORM^O01 in IHE SWF, "placer
 *   field 1"), else the filler order number ORC-3 / OBR-3, which many RIS use as the accession.
 * - Priority (table 0027): TQ1-9 (v2.5), else ORC-7.6 / OBR-27.6 (the older quantity/timing),
 *   else OBR-5; nothing at all means R, the table's default.
 * - Procedure: OBR-4 (code ^ text). Control: ORC-1.
 */
export function readOrders(msg: Hl7Message): OrderReading {
  if (!(ORDER_MESSAGE_TYPES as readonly string[]).includes(msg.type)) {
    return refuse('AR', '200', `message type ${quote(msg.type) || '(none)'} is not an order this node takes (ORM^O01, OMI^O23)`);
  }
  const groups = orderGroups(msg.segments);
  if (groups.length === 0) return refuse('AR', '100', 'no ORC segment: the message carries no order');
  const orders: OrderUpdate[] = [];
  for (const [i, group] of groups.entries()) {
    const n = i + 1;
    const first = (name: string): Segment | undefined => group.find((s) => s.name === name);
    const orc = first('ORC')!;
    const obr = first('OBR');
    const control = valueOf(orc, 1);
    const state = ORDER_CONTROLS[control];
    if (!state)
      return refuse('AR', '103', `order ${n}: ORC-1 "${quote(control)}" is not an order control this node acts on (${Object.keys(ORDER_CONTROLS).join(', ')})`);
    const accession = firstOf(valueOf(first('IPC'), 1), valueOf(obr, 18), valueOf(orc, 3), valueOf(obr, 3));
    if (!accession) return refuse('AR', '101', `order ${n}: no accession number (IPC-1, OBR-18, ORC-3 or OBR-3)`);
    if (accession.length > 64) return refuse('AR', '102', `order ${n}: the accession number is longer than 64 characters`);
    const hl7Priority = firstOf(valueOf(first('TQ1'), 9), valueOf(orc, 7, 6), valueOf(obr, 27, 6), valueOf(obr, 5));
    const priority = priorityOfHl7(hl7Priority);
    if (!priority) return refuse('AR', '103', `order ${n}: priority "${quote(hl7Priority)}" is not in HL7 table 0027 (S, A, P, C, T, R, PRN)`);
    orders.push({
      accession,
      placerOrder: firstOf(valueOf(orc, 2), valueOf(obr, 2)) || null,
      fillerOrder: firstOf(valueOf(orc, 3), valueOf(obr, 3)) || null,
      procedureCode: valueOf(obr, 4, 1) || null,
      procedureText: valueOf(obr, 4, 2) || null,
      hl7Priority,
      priority,
      control,
      state,
    });
  }
  return { ok: true, orders };
}

/** Each ORC with the segments up to the next ORC (PID and PV1 before the first belong to none). */
function orderGroups(segments: readonly Segment[]): Segment[][] {
  const groups: Segment[][] = [];
  for (const seg of segments) {
    if (seg.name === 'ORC') groups.push([seg]);
    else groups[groups.length - 1]?.push(seg);
  }
  return groups;
}

function firstOf(...values: string[]): string {
  return values.map((v) => v.trim()).find((v) => v.length > 0) ?? '';
}

/** A code quoted back in an ACK, cut short: a field sent in the wrong place may hold anything. */
function quote(code: string): string {
  return code.length > 12 ? `${code.slice(0, 12)}…` : code;
}

function refuse(ack: OrderRefusal['ack'], errorCode: OrderRefusal['errorCode'], reason: string): OrderReading {
  return { ok: false, refusal: { ack, errorCode, reason } };
}
