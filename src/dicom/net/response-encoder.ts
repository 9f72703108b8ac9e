import { NO_DATA_SET, encodeCommand, type CommandElements } from './command-set.js';
import { commandPdu } from './pdata-tf.js';

/**
 * Shapes kept. Success and the warnings are a handful per SOP class; a refusal's comment can
 * name what was wrong and so vary, which must not grow the cache without end: past this many
 * shapes, a response is encoded afresh (as it always was) rather than kept.
 */
const MAX_SHAPES = 256;

/** What the node answers a C-STORE or C-ECHO with. */
export interface ResponseAnswer {
  status: number;
  comment?: string;
}

/** A whole response PDU for one shape, and where the two values that vary sit in it. */
interface Template {
  pdu: Buffer;
  /** Offset of the MessageIDBeingRespondedTo value, or -1 when the request had no message ID. */
  messageIdAt: number;
  /** Offset of the AffectedSOPInstanceUID value, or -1 when the request had none. */
  instanceUidAt: number;
}

/**
 * Responses to C-STORE and C-ECHO as whole P-DATA-TF PDUs, encoded once per shape: the
 * presentation context, the command field, the SOP class, the status, the comment and the
 * length of the SOP Instance UID. Each response after the first of its shape is a copy of the
 * kept PDU with its message ID and SOP Instance UID written in, the same bytes encodeCommand
 * and commandPdu would make (tested), without their sorting, element buffers and
 * concatenations: one response per instance received.
 */
export class ResponseEncoder {
  private readonly templates = new Map<string, Template>();

  /** The P-DATA-TF PDU answering `request` (its MessageID and Affected SOP UIDs are echoed). */
  pdu(contextId: number, field: number, request: CommandElements, answer: ResponseAnswer): Buffer {
    const messageId = request.MessageID;
    const sopClassUid = request.AffectedSOPClassUID;
    const instanceUid = request.AffectedSOPInstanceUID;
    const key = [
      contextId,
      field,
      typeof messageId,
      typeof sopClassUid === 'string' ? sopClassUid : `(${typeof sopClassUid})`,
      typeof instanceUid === 'string' ? instanceUid.length : `(${typeof instanceUid})`,
      answer.status,
      answer.comment ?? '',
    ].join('\\');
    let template = this.templates.get(key);
    if (!template) {
      template = makeTemplate(contextId, field, request, answer);
      if (!template) return encodeFresh(contextId, field, request, answer);
      if (this.templates.size < MAX_SHAPES) this.templates.set(key, template);
    }
    const pdu = Buffer.allocUnsafe(template.pdu.length);
    template.pdu.copy(pdu);
    if (template.messageIdAt >= 0) pdu.writeUInt16LE(messageId as number, template.messageIdAt);
    if (template.instanceUidAt >= 0) pdu.write(instanceUid as string, template.instanceUidAt, 'latin1');
    return pdu;
  }

  /** Shapes kept (tests). */
  get shapes(): number {
    return this.templates.size;
  }
}

/** The response's command elements, as the node has always sent them (see command-set.ts). */
function responseElements(field: number, request: CommandElements, answer: ResponseAnswer): Record<string, unknown> {
  return {
    CommandField: field,
    MessageIDBeingRespondedTo: request.MessageID,
    AffectedSOPClassUID: request.AffectedSOPClassUID,
    AffectedSOPInstanceUID: request.AffectedSOPInstanceUID,
    CommandDataSetType: NO_DATA_SET,
    Status: answer.status,
    ErrorComment: answer.comment,
  };
}

function encodeFresh(contextId: number, field: number, request: CommandElements, answer: ResponseAnswer): Buffer {
  const command = encodeCommand(responseElements(field, request, answer));
  if (!command) throw new Error('a C-STORE or C-ECHO response could not be encoded');
  return commandPdu(contextId, command);
}

/**
 * The PDU of a shape, encoded with stand-ins for the values that vary (message ID 0, a UID of
 * the same length), and where those values landed. Undefined when a value is not of the kind a
 * template can patch (a message ID that is not a number): such a response is encoded afresh.
 */
function makeTemplate(contextId: number, field: number, request: CommandElements, answer: ResponseAnswer): Template | undefined {
  const messageId = request.MessageID;
  const instanceUid = request.AffectedSOPInstanceUID;
  if (messageId !== undefined && typeof messageId !== 'number') return undefined;
  if (instanceUid !== undefined && typeof instanceUid !== 'string') return undefined;
  const standIn: CommandElements = { ...request };
  if (messageId !== undefined) standIn.MessageID = 0;
  if (instanceUid !== undefined) standIn.AffectedSOPInstanceUID = '1'.repeat(instanceUid.length);
  const pdu = encodeFresh(contextId, field, standIn, answer);
  // The command starts after the PDU header (6 bytes) and the PDV header (6 bytes).
  const COMMAND_AT = 12;
  return {
    pdu,
    messageIdAt: messageId === undefined ? -1 : valueOffset(pdu, COMMAND_AT, 0x0120),
    instanceUidAt: instanceUid === undefined ? -1 : valueOffset(pdu, COMMAND_AT, 0x1000),
  };
}

/** Where the value of element (0000,element) starts in an encoded command set. */
function valueOffset(bytes: Buffer, start: number, element: number): number {
  for (let at = start; at + 8 <= bytes.length; at += 8 + bytes.readUInt32LE(at + 4)) {
    if (bytes.readUInt16LE(at) === 0 && bytes.readUInt16LE(at + 2) === element) return at + 8;
  }
  throw new Error(`element (0000,${element.toString(16).padStart(4, '0')}) not in the encoded response`);
}
