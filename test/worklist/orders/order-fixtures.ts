import { Hl7Message, mshSegment, segment } from '../../../src/hl7/message.js';
import type { OrderUpdate } from '../../../src/worklist/orders/order-message.js';
import { TABLE_0027 } from '../../../src/worklist/orders/table-0027.js';
import type { Priority } from '../../../src/domain/priority.js';

/** An order as the listener would record it (for tests that skip the wire). */
export function orderUpdate(o: { accession: string; priority: Priority } & Partial<OrderUpdate>): OrderUpdate {
  const hl7Priority = Object.entries(TABLE_0027).find(([, p]) => p === o.priority)![0];
  return {
    placerOrder: 'P1',
    fillerOrder: 'F1',
    procedureCode: 'CTHEAD',
    procedureText: 'CT head without contrast',
    hl7Priority,
    control: 'NW',
    state: 'active',
    ...o,
  };
}

export interface OrderMessageOptions {
  type?: 'ORM^O01' | 'OMI^O23';
  controlId?: string;
  accession: string;
  /** Table 0027 code; where it goes depends on the type (TQ1-9 for OMI, ORC-7.6 for ORM). */
  priority?: string;
  control?: string;
  patientName?: string;
}

/**
 * An order as a RIS sends it: ORM^O01 the IHE Scheduled Workflow way (accession in OBR-18,
 * priority in ORC-7.6), or OMI^O23 (IPC-1, TQ1-9).
 */
export function orderMessage(o: OrderMessageOptions): string {
  const type = o.type ?? 'ORM^O01';
  const [code, event] = type.split('^') as [string, string];
  const omi = type === 'OMI^O23';
  const priority = o.priority ?? 'R';
  const segments = [
    mshSegment({
      3: 'RIS',
      4: 'HOSP',
      5: 'VIGIL',
      6: 'HOSP',
      7: '20260310120000',
      9: [code, event, omi ? 'OMI_O23' : 'ORM_O01'],
      10: o.controlId ?? 'MSG0001',
      11: 'P',
      12: '2.5.1',
    }),
    segment('PID', { 3: ['PID-123', '', '', 'HOSP', 'MR'], 5: (o.patientName ?? "O'BRIEN^MARY").split('^') }),
    segment('ORC', { 1: o.control ?? 'NW', 2: 'PLACER-1', 3: 'FILLER-1', ...(omi ? {} : { 7: ['', '', '', '', '', priority] }) }),
    ...(omi ? [segment('TQ1', { 1: '1', 9: priority })] : []),
    segment('OBR', { 1: '1', 2: 'PLACER-1', 3: 'FILLER-1', 4: ['CTHEAD', 'CT head without contrast', 'L'], ...(omi ? {} : { 18: o.accession }) }),
    ...(omi ? [segment('IPC', { 1: o.accession, 2: 'RP1', 3: '1.2.3', 4: 'SPS1', 5: 'CT' })] : []),
  ];
  return new Hl7Message(segments).toString();
}
