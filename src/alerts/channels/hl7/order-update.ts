import { LOCAL_CODING_SCHEME } from '../../coding.js';
import type { Hl7DestinationConfig } from '../../../config/sections/alerts.js';
import { hl7DateTime } from '../../../hl7/datetime.js';
import { Hl7Message, segment } from '../../../hl7/message.js';
import type { Priority } from '../../../domain/priority.js';
import type { AlertContext } from '../../context.js';
import type { Alert } from '../../model.js';
import { aiNotice } from '../../notice.js';
import { msh, note, pid } from './segments.js';

/** HL7 table 0027 (priority; table 0485 for TQ1-9 uses the same letters). */
export const PRIORITY_0027: Record<Priority, { code: string; text: string }> = {
  stat: { code: 'S', text: 'Stat' },
  urgent: { code: 'A', text: 'ASAP' },
  routine: { code: 'R', text: 'Routine' },
};

export type OrderMessageType = 'OMI^O23' | 'ORM^O01';

export interface OrderUpdateInput {
  dest: Hl7DestinationConfig;
  type: OrderMessageType;
  alert: Alert;
  context: AlertContext;
  controlId: string;
  at: number;
}

/**
 * An order priority update for the study's order, found by its accession number: ORC-1 XO
 * (change order), the accession as filler order number and in OBR-18, the priority as TQ1-9
 * (v2.5 onwards) and in the legacy ORC-7.6 / OBR-27.6 for receivers still on v2.3 habits.
 * OMI^O23 adds IPC (accession, Study Instance UID), which IHE radiology receivers expect.
 */
export function buildOrderUpdate({ dest, type, alert, context, controlId, at }: OrderUpdateInput): Hl7Message {
  const priority = PRIORITY_0027[alert.priority];
  const legacyTiming = ['', '', '', '', '', priority.code];
  const filler = [context.study.accessionNumber, dest.receivingApplication];
  const reason = ['AI-TRIAGE', `Priority raised by AI triage (${alert.concept.display})`, LOCAL_CODING_SCHEME];
  const segments = [
    msh(dest, type === 'OMI^O23' ? ['OMI', 'O23', 'OMI_O23'] : ['ORM', 'O01', 'ORM_O01'], controlId, at),
    pid(context),
    segment('ORC', { 1: 'XO', 3: filler, 7: legacyTiming, 9: hl7DateTime(at), 16: reason }),
  ];
  if (type === 'OMI^O23') segments.push(segment('TQ1', { 1: '1', 9: [priority.code, priority.text, 'HL70485'] }));
  segments.push(
    segment('OBR', { 1: '1', 3: filler, 4: ['', context.study.description], 18: context.study.accessionNumber, 27: legacyTiming }),
    note(1, aiNotice(alert.finding)),
  );
  if (type === 'OMI^O23') segments.push(segment('IPC', { 1: context.study.accessionNumber, 3: context.study.instanceUid }));
  return new Hl7Message(segments);
}
