import { VigilError } from '../core/errors.js';
import { LIVE_CHANGE_KINDS, type LiveChangeEvent, type LiveChangeKind } from '../events/types.js';

/** The PostgreSQL channel the nodes' relays NOTIFY and LISTEN on. */
export const RELAY_CHANNEL = 'vigil_live_events';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (its default build). */
export const NOTIFY_PAYLOAD_MAX_BYTES = 7999;

/** Bumped when the message changes shape; a node drops (and logs) messages of another version. */
const WIRE_VERSION = 1;

/**
 * One relayed message. `node` is the sender (a relay drops its own). 'live-change' carries the
 * change's kind, study id and STAT flag and nothing else, whatever else the local event held;
 * 'resync' tells the others that changes of this node were lost (it could not send them).
 */
export type RelayMessage =
  { v: 1; node: string; type: 'live-change'; kind: LiveChangeKind; studyId: string | null; stat?: true } | { v: 1; node: string; type: 'resync' };

/** The payload for a live change, built field by field: only ids and kinds cross the wire. */
export function encodeLiveChange(node: string, change: LiveChangeEvent): string {
  const message: RelayMessage = {
    v: WIRE_VERSION,
    node,
    type: 'live-change',
    kind: change.kind,
    studyId: change.studyId,
    ...(change.stat === true && { stat: true }),
  };
  return checkedSize(JSON.stringify(message), change.kind);
}

export function encodeResync(node: string): string {
  return checkedSize(JSON.stringify({ v: WIRE_VERSION, node, type: 'resync' } satisfies RelayMessage), 'resync');
}

/** Reads a payload from the channel; throws CLUSTER_EVENT_MALFORMED (whose text never quotes it). */
export function decodeRelayMessage(payload: string): RelayMessage {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    throw malformed('not JSON');
  }
  if (typeof value !== 'object' || value === null) throw malformed('not an object');
  const m = value as Record<string, unknown>;
  if (m.v !== WIRE_VERSION) throw malformed(`version ${typeof m.v === 'number' ? m.v : 'missing'}, this node reads ${WIRE_VERSION}`);
  if (typeof m.node !== 'string' || m.node.length === 0) throw malformed('no sending node');
  if (m.type === 'resync') return { v: WIRE_VERSION, node: m.node, type: 'resync' };
  if (m.type !== 'live-change') throw malformed('unknown type');
  if (typeof m.kind !== 'string' || !(LIVE_CHANGE_KINDS as readonly string[]).includes(m.kind)) throw malformed('unknown kind');
  if (m.studyId !== null && typeof m.studyId !== 'string') throw malformed('studyId is neither a string nor null');
  if (m.stat !== undefined && m.stat !== true) throw malformed('stat is not true');
  return { v: WIRE_VERSION, node: m.node, type: 'live-change', kind: m.kind as LiveChangeKind, studyId: m.studyId, ...(m.stat === true && { stat: true }) };
}

function checkedSize(payload: string, what: string): string {
  const bytes = Buffer.byteLength(payload, 'utf8');
  if (bytes > NOTIFY_PAYLOAD_MAX_BYTES) {
    // The text names the kind and the size, never the content (a study id could be anything).
    throw new VigilError(
      'CLUSTER_EVENT_TOO_LARGE',
      `a relayed '${what}' event would be ${bytes} bytes; a PostgreSQL notification holds at most ${NOTIFY_PAYLOAD_MAX_BYTES}`,
      {
        extra: { bytes, limit: NOTIFY_PAYLOAD_MAX_BYTES },
      },
    );
  }
  return payload;
}

function malformed(why: string): VigilError {
  return new VigilError('CLUSTER_EVENT_MALFORMED', `a message on channel ${RELAY_CHANNEL} was dropped: ${why}`);
}
