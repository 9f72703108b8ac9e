import type { Hl7DestinationConfig } from '../../../config/sections/alerts.js';
import { hl7DateTime } from '../../../hl7/datetime.js';
import { mshSegment, segment, type Segment } from '../../../hl7/message.js';
import type { CodedConcept } from '../../../domain/finding.js';
import { codingSchemeOf } from '../../coding.js';
import type { AlertContext } from '../../context.js';

/** A coded concept as CE/CWE components: identifier ^ text ^ coding system. */
export function codedElement(concept: CodedConcept): string[] {
  return [concept.code, concept.display, codingSchemeOf(concept.system)];
}

export function msh(dest: Hl7DestinationConfig, type: [string, string, string], controlId: string, at: number): Segment {
  return mshSegment({
    3: dest.sendingApplication,
    4: dest.sendingFacility,
    5: dest.receivingApplication,
    6: dest.receivingFacility,
    7: hl7DateTime(at),
    9: type,
    10: controlId,
    11: dest.processingId,
    12: '2.5.1',
    18: 'UNICODE UTF-8',
  });
}

/** PID from the index's patient tags: identifier (with its issuer), name, birth date, sex. */
export function pid(ctx: AlertContext): Segment {
  const { patient } = ctx;
  return segment('PID', {
    1: '1',
    3: [patient.id, '', '', patient.issuer, 'MR'],
    5: personName(patient.name),
    7: /^\d{8}$/.test(patient.birthDate) ? patient.birthDate : '',
    8: ['M', 'F', 'O'].includes(patient.sex) ? patient.sex : 'U',
  });
}

/**
 * DICOM PN (family^given^middle^prefix^suffix, alphabetic group first) to HL7 XPN
 * (family^given^middle^suffix^prefix): prefix and suffix swap places.
 */
export function personName(pn: string): string[] {
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = (pn.split('=')[0] ?? '').split('^');
  return [family, given, middle, suffix, prefix];
}

/** NTE with the words every alert carries. */
export function note(setId: number, text: string): Segment {
  return segment('NTE', { 1: String(setId), 2: 'L', 3: text, 4: ['RE', 'Remark', 'HL70364'] });
}
