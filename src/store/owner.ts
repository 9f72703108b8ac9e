import crypto from 'node:crypto';
import os from 'node:os';

/**
 * Who wrote a temp file or a running marker, in its name: `<host>_<pid>_<nonce>`. Several nodes
 * may share one data folder (config/cluster/README.md), so a node must tell its own leftovers
 * from another live node's work before removing anything.
 *
 * The nonce tells apart two file stores of one process (tests run two nodes in one process) and a
 * restarted container, which has the same host name and often the same pid (1) as the one before.
 */
export interface Owner {
  host: string;
  pid: number;
  nonce: string;
}

/** The owners living in this process: a name with our host and pid but another nonce is a dead one. */
const LIVE_HERE = new Set<string>();

/** A host name as it may stand in a file name: no separator, no path. */
function safeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 64) || 'host';
}

export function newOwner(): Owner {
  const owner = { host: safeHost(os.hostname()), pid: process.pid, nonce: crypto.randomBytes(4).toString('hex') };
  LIVE_HERE.add(ownerTag(owner));
  return owner;
}

/** This owner's files are no longer its work (a clean stop): another store of this process may take them. */
export function retireOwner(owner: Owner): void {
  LIVE_HERE.delete(ownerTag(owner));
}

export function ownerTag(owner: Owner): string {
  return `${owner.host}_${owner.pid}_${owner.nonce}`;
}

/** The owner a name starts with (`<host>_<pid>_<nonce>…`); undefined for a name of another form. */
export function ownerOf(name: string): Owner | undefined {
  const match = /^([A-Za-z0-9.-]+)_(\d+)_([0-9a-f]{8})(?:[_.]|$)/.exec(name);
  return match ? { host: match[1]!, pid: Number(match[2]), nonce: match[3]! } : undefined;
}

/**
 * Whether the owner is certainly gone. Owner-based on this host: its process is not running, or
 * it is this very process under another nonce that no live store here holds (a restarted
 * container is pid 1 again). Another host's process cannot be asked: `undefined`, and the caller
 * decides by age.
 */
export function ownerGone(owner: Owner): boolean | undefined {
  if (owner.host !== safeHost(os.hostname())) return undefined;
  if (owner.pid === process.pid) return !LIVE_HERE.has(ownerTag(owner));
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    // EPERM: a process of another user has this pid: it lives (it may be another program: the age rule then ends it).
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
