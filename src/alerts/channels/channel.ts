import type { ChannelType } from '../../config/sections/alerts.js';
import type { AlertContext } from '../context.js';
import type { Alert, Delivery } from '../model.js';

/** One attempt at one delivery, as the sender hands it to a channel. */
export interface DeliveryJob {
  delivery: Delivery;
  alert: Alert;
  /** Patient and study (patient data: into the message only). */
  context: AlertContext;
  /** Records that the first `n` messages of this delivery were acknowledged (survives a restart). */
  stepDone(n: number): void;
  /** Aborted when the node stops. */
  signal: AbortSignal;
  now(): number;
}

export interface DeliveryReceipt {
  /** Something worth showing about the success (e.g. "ServiceRequest/12 raised to stat"). */
  note: string | null;
}

/**
 * An output channel. `deliver` resolves when the destination acknowledged every message of
 * the delivery, or throws a VigilError whose code the sender's failure policy reads. A peer's
 * own words go in the error's `extra.peerText`, kept apart from ours because they may quote
 * patient data.
 */
export interface ChannelHandler {
  readonly type: ChannelType;
  deliver(job: DeliveryJob): Promise<DeliveryReceipt>;
  /**
   * Checks that the destination can be reached and answers as configured, without sending any
   * patient data (a connection, a capability statement, a ping, a C-ECHO). Resolves with what was
   * verified; throws a VigilError with the code a delivery would fail with.
   */
  check(signal: AbortSignal): Promise<string>;
  /** Releases connections; called when the node stops or the destination changes. */
  close(): Promise<void>;
}

/** The peer's words of a channel error, if it carried any. */
export function peerTextOf(err: unknown): string | null {
  if (err && typeof err === 'object' && 'extra' in err) {
    const extra = (err as { extra?: Record<string, unknown> }).extra;
    if (typeof extra?.peerText === 'string') return extra.peerText.slice(0, 2000);
  }
  return null;
}
