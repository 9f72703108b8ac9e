/**
 * What the DICOM listener holds open, for the limits of association-policy.ts: associations in
 * all, by peer address and by calling AE title, and connections still waiting to ask for one.
 * One instance per node, shared by the plain and the TLS listener.
 */
export interface OpenAssociations {
  total: number;
  fromAddress: number;
  withAeTitle: number;
}

export class AssociationCounts {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly byAeTitle = new Map<string, number>();
  private readonly waitingByAddress = new Map<string, number>();

  get active(): number {
    return this.total;
  }

  /** Associations open now, in all, from this address and with this calling AE title. */
  of(remoteAddress: string | null | undefined, callingAeTitle: string): OpenAssociations {
    return {
      total: this.total,
      fromAddress: this.byAddress.get(peerAddress(remoteAddress)) ?? 0,
      withAeTitle: this.byAeTitle.get(callingAeTitle.trim()) ?? 0,
    };
  }

  /** Counts an accepted association; the function returned frees its slot (once). */
  open(remoteAddress: string | null | undefined, callingAeTitle: string): () => void {
    const address = peerAddress(remoteAddress);
    const aeTitle = callingAeTitle.trim();
    this.total++;
    add(this.byAddress, address, 1);
    add(this.byAeTitle, aeTitle, 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.total--;
      add(this.byAddress, address, -1);
      add(this.byAeTitle, aeTitle, -1);
    };
  }

  /** Connections from this address that have not yet asked for an association. */
  waitingFrom(remoteAddress: string | null | undefined): number {
    return this.waitingByAddress.get(peerAddress(remoteAddress)) ?? 0;
  }

  /** Counts a connection waiting for its A-ASSOCIATE-RQ; the function returned ends the wait (once). */
  startWaiting(remoteAddress: string | null | undefined): () => void {
    const address = peerAddress(remoteAddress);
    add(this.waitingByAddress, address, 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      add(this.waitingByAddress, address, -1);
    };
  }
}

/** One spelling per peer: an IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d. */
export function peerAddress(remote: string | null | undefined): string {
  return (remote ?? '').replace(/^::ffff:/i, '').toLowerCase();
}

/** Adds to a count, dropping it at zero so that the maps hold only peers with something open. */
function add(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
