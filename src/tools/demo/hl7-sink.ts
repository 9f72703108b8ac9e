import { buildAck } from '../../hl7/ack.js';
import { Hl7Message, type Segment } from '../../hl7/message.js';
import { MllpServer } from '../../hl7/mllp/server.js';
import { parseMessage } from '../../hl7/parse.js';

/** One HL7 v2 message as the demo RIS received it. */
export interface ReceivedHl7 {
  /** The wire text, exactly as received (tests hand it to other parsers). */
  text: string;
  /** MSH-9, e.g. ORU^R01. */
  type: string;
  /** MSH-10. */
  controlId: string;
  /** Study Instance UID the message is about (ORU OBX with DCM 110180, or IPC-3), when it says. */
  studyInstanceUid: string | null;
  /** Seen before under the same control id: a resend after a lost ACK, acknowledged again. */
  resend: boolean;
  at: number;
}

/** PID fields that identify the patient: identifiers, name, birth date, address, phone, SSN. */
const PID_IDENTIFYING = [2, 3, 4, 5, 6, 7, 9, 11, 13, 14, 19, 20];
/** DICOM's code for "Study Instance UID", the observation Vigil's ORU carries it in. */
const STUDY_UID_CODE = '110180';

/**
 * A stand-in RIS for the demo and the end-to-end test: an MLLP listener (our src/hl7 server
 * and ACK builder) that acknowledges every message with AA and keeps it. Like a receiver that
 * de-duplicates on MSH-10, it marks a message whose control id it already took as a resend.
 */
export class Hl7Sink {
  readonly received: ReceivedHl7[] = [];
  /** Frames that were not HL7 at all (the connection is closed on them, as a strict RIS would). */
  malformed = 0;
  private readonly server: MllpServer;
  private readonly seen = new Set<string>();
  private acks = 0;

  constructor(opts: { host: string; port?: number; onMessage?: (r: ReceivedHl7, msg: Hl7Message) => void }) {
    this.server = new MllpServer({
      host: opts.host,
      port: opts.port ?? 0,
      handler: (text) => {
        let msg: Hl7Message;
        try {
          msg = parseMessage(text);
        } catch (err) {
          this.malformed++;
          throw err;
        }
        const record: ReceivedHl7 = {
          text,
          type: msg.type,
          controlId: msg.controlId,
          studyInstanceUid: studyUidOf(msg),
          resend: this.seen.has(msg.controlId),
          at: Date.now(),
        };
        this.seen.add(msg.controlId);
        this.received.push(record);
        opts.onMessage?.(record, msg);
        return buildAck(msg, { code: 'AA', controlId: `DEMOACK${++this.acks}` }).toString();
      },
    });
  }

  get port(): number {
    return this.server.port;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Messages taken for the first time (resends left out). */
  distinct(): ReceivedHl7[] {
    return this.received.filter((r) => !r.resend);
  }
}

function studyUidOf(msg: Hl7Message): string | null {
  const obx = msg.all('OBX').find((s) => s.fields[3]?.[0]?.[0]?.[0] === STUDY_UID_CODE);
  const fromObx = obx?.fields[5]?.[0]?.[0]?.[0];
  const fromIpc = msg.get('IPC', 3);
  return fromObx || fromIpc || null;
}

/**
 * The message one segment per line, as a person reads it, with the patient's identifying PID
 * fields replaced by *** so that nothing identifying reaches a terminal or a log.
 */
export function readableHl7(msg: Hl7Message): string[] {
  const masked: Segment[] = msg.segments.map((s) =>
    s.name !== 'PID' ? s : { name: s.name, fields: s.fields.map((f, i) => (PID_IDENTIFYING.includes(i) && f.length > 0 ? [[['***']]] : f)) },
  );
  return new Hl7Message(masked, msg.delimiters)
    .toString()
    .split('\r')
    .filter((l) => l.length > 0);
}
