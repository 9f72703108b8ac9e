import { NO_DATA_SET, decodeCommand, type CommandElements } from './command-set.js';
import { parsePdvs, pdataPdu, type Pdv } from './pdata-tf.js';

/** Where the data set of a message the node answers itself goes, fragment by fragment. */
export interface DatasetSink {
  write(fragment: Buffer): void;
  /** The last fragment was written. */
  end(): void;
}

/** What the router asks of the association it serves. */
export interface RouterTarget {
  /**
   * A command is complete. Answers with a sink for its data set, 'answered' for a command
   * without one that was answered already, or 'library' to leave the message to dcmjs-dimse.
   */
  command(contextId: number, elements: CommandElements, hasDataset: boolean): DatasetSink | 'answered' | 'library';
  /** The PDVs of messages left to dcmjs-dimse, as one P-DATA-TF PDU. */
  forward(pdu: Buffer): void;
}

type Route =
  | { to: 'command' }
  | { to: 'sink'; sink: DatasetSink; contextId: number }
  | { to: 'library' };

/**
 * Routes the DIMSE messages of one association (PS3.7 9, PS3.8 9.3.5). The messages the node
 * receives by the hundred — C-STORE with its data set, C-ECHO — are read here: the command is
 * decoded without dcmjs and each data set fragment goes to its sink as a view of the network
 * read. Every other message (MPPS N-CREATE/N-SET, ...) goes to dcmjs-dimse, whole and in order.
 *
 * Fragments of different messages are never interleaved (PS3.8 9.3.5.1: a message's command,
 * then its data set), so one route at a time is enough. A PDU that breaks the framing throws
 * (PDataError, CommandSetError, RouteError); the association is then aborted.
 */
export class DimseRouter {
  private route: Route = { to: 'command' };
  /** Fragments of the command being gathered: commands may be split over several PDVs. */
  private commandFragments: Pdv[] = [];

  constructor(private readonly target: RouterTarget) {}

  /** Takes one whole P-DATA-TF PDU. */
  push(pdu: Buffer): void {
    const pdvs = parsePdvs(pdu);
    const forwarded: Pdv[] = [];
    for (const pdv of pdvs) forwarded.push(...this.take(pdv));
    if (forwarded.length === 0) return;
    const sameAsReceived = forwarded.length === pdvs.length && forwarded.every((pdv, i) => pdv === pdvs[i]);
    this.target.forward(sameAsReceived ? pdu : pdataPdu(forwarded));
  }

  /** Routes one PDV; returns what goes to dcmjs-dimse. */
  private take(pdv: Pdv): Pdv[] {
    const route = this.route;
    switch (route.to) {
      case 'sink':
        if (pdv.command) throw new RouteError('a command fragment arrived inside a data set');
        if (pdv.contextId !== route.contextId) throw new RouteError('a data set fragment changed presentation context');
        route.sink.write(pdv.value);
        if (pdv.last) {
          this.route = { to: 'command' };
          route.sink.end();
        }
        return [];
      case 'library':
        if (pdv.last && !pdv.command) this.route = { to: 'command' };
        return [pdv];
      case 'command':
        return this.gatherCommand(pdv);
      default:
        return route satisfies never;
    }
  }

  private gatherCommand(pdv: Pdv): Pdv[] {
    if (!pdv.command) throw new RouteError('a data set fragment arrived before its command');
    this.commandFragments.push(pdv);
    if (!pdv.last) return [];
    const fragments = this.commandFragments;
    this.commandFragments = [];
    const bytes = fragments.length === 1 ? pdv.value : Buffer.concat(fragments.map((f) => f.value));
    const elements = decodeCommand(bytes);
    // As dcmjs-dimse reads it: a data set follows unless the command says there is none.
    const hasDataset = elements.CommandDataSetType !== NO_DATA_SET;
    const decision = this.target.command(pdv.contextId, elements, hasDataset);
    if (decision === 'library') {
      if (hasDataset) this.route = { to: 'library' };
      return fragments;
    }
    if (decision !== 'answered') {
      if (!hasDataset) throw new Error('a sink was opened for a command without a data set');
      this.route = { to: 'sink', sink: decision, contextId: pdv.contextId };
    }
    return [];
  }
}

/** PDVs out of order for a DIMSE message. */
export class RouteError extends Error {}
