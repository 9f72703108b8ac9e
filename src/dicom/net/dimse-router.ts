import { NO_DATA_SET, decodeCommand, type CommandElements } from './command-set.js';
import { pdataPdu } from './pdata-tf.js';
import type { PdvPiece } from './pdu-framer.js';

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
  /** A PDV of a message left to dcmjs-dimse, as a P-DATA-TF PDU of its own. */
  forward(pdu: Buffer): void;
}

type Route = { to: 'command' } | { to: 'sink'; sink: DatasetSink; contextId: number } | { to: 'library' };

/**
 * Routes the DIMSE messages of one association (PS3.7 9, PS3.8 9.3.5). The messages the node
 * receives by the hundred — C-STORE with its data set, C-ECHO — are read here: the command is
 * decoded without dcmjs and each piece of the data set goes to its sink as the network read
 * brought it (PduFramer). Every other message (MPPS N-CREATE/N-SET, ...) goes to dcmjs-dimse,
 * a PDV per PDU, in order.
 *
 * Fragments of different messages are never interleaved (PS3.8 9.3.5.1: a message's command,
 * then its data set), so one route at a time is enough. PDVs out of order throw RouteError, a
 * command that cannot be read CommandSetError; the association is then aborted.
 */
export class DimseRouter {
  private route: Route = { to: 'command' };
  /** Pieces of the command being gathered: a command may be split over several PDVs. */
  private commandPieces: Buffer[] = [];
  /** Pieces of the PDV being gathered for dcmjs-dimse. */
  private libraryPieces: Buffer[] = [];

  constructor(private readonly target: RouterTarget) {}

  /** Takes the next piece of a PDV, in the order received. */
  push(piece: PdvPiece): void {
    const route = this.route;
    switch (route.to) {
      case 'sink':
        if (piece.command) throw new RouteError('a command fragment arrived inside a data set');
        if (piece.contextId !== route.contextId) throw new RouteError('a data set fragment changed presentation context');
        if (piece.value.length > 0) route.sink.write(piece.value);
        if (piece.ends && piece.last) {
          this.route = { to: 'command' };
          route.sink.end();
        }
        return;
      case 'library':
        this.libraryPieces.push(piece.value);
        if (!piece.ends) return;
        this.forward({ ...piece, value: Buffer.concat(this.libraryPieces) });
        this.libraryPieces = [];
        if (piece.last && !piece.command) this.route = { to: 'command' };
        return;
      case 'command':
        return this.gatherCommand(piece);
      default:
        return route satisfies never;
    }
  }

  private gatherCommand(piece: PdvPiece): void {
    if (!piece.command) throw new RouteError('a data set fragment arrived before its command');
    this.commandPieces.push(piece.value);
    if (!piece.ends || !piece.last) return;
    const bytes = Buffer.concat(this.commandPieces);
    this.commandPieces = [];
    const elements = decodeCommand(bytes);
    // As dcmjs-dimse reads it: a data set follows unless the command says there is none.
    const hasDataset = elements.CommandDataSetType !== NO_DATA_SET;
    const decision = this.target.command(piece.contextId, elements, hasDataset);
    if (decision === 'library') {
      this.forward({ ...piece, value: bytes });
      if (hasDataset) this.route = { to: 'library' };
    } else if (decision !== 'answered') {
      if (!hasDataset) throw new Error('a sink was opened for a command without a data set');
      this.route = { to: 'sink', sink: decision, contextId: piece.contextId };
    }
  }

  private forward(pdv: PdvPiece): void {
    this.target.forward(pdataPdu([pdv]));
  }
}

/** PDVs out of order for a DIMSE message. */
export class RouteError extends Error {}
