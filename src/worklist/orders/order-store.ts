import crypto from 'node:crypto';
import type { ChangeFeed } from '../../store/changes.js';
import type { Db } from '../../db/database.js';
import type { OrderUpdate } from './order-message.js';

/** What a recorded message came as, for the row and /changes. */
export interface OrderSource {
  messageType: string;
  controlId: string;
  at: number;
}

/**
 * The RIS's latest word on each accession. An order may come before its study or after it:
 * the worklist joins them by accession when it reads, so either order of arrival gives the
 * same list. /changes names an order by our id, never by its accession (patient data).
 */
export class OrderStore {
  private readonly upsert;
  private readonly idOf;

  constructor(
    private readonly db: Db,
    private readonly changes: ChangeFeed,
  ) {
    // The kept values named worklist_orders.*: PostgreSQL finds a bare column of the upsert ambiguous.
    this.upsert = db.prepare(
      `INSERT INTO worklist_orders (accession, id, placer_order, filler_order, procedure_code, procedure_text, hl7_priority, priority,
         order_control, state, message_type, control_id, received_at, updated_at)
       VALUES (@accession, @id, @placerOrder, @fillerOrder, @procedureCode, @procedureText, @hl7Priority, @priority,
         @control, @state, @messageType, @controlId, @at, @at)
       ON CONFLICT (accession) DO UPDATE SET
         placer_order = COALESCE(excluded.placer_order, worklist_orders.placer_order),
         filler_order = COALESCE(excluded.filler_order, worklist_orders.filler_order),
         procedure_code = COALESCE(excluded.procedure_code, worklist_orders.procedure_code),
         procedure_text = COALESCE(excluded.procedure_text, worklist_orders.procedure_text),
         hl7_priority = excluded.hl7_priority, priority = excluded.priority, order_control = excluded.order_control,
         state = excluded.state, message_type = excluded.message_type, control_id = excluded.control_id, updated_at = excluded.updated_at`,
    );
    this.idOf = db.prepare<[string], { id: string }>('SELECT id FROM worklist_orders WHERE accession = ?');
  }

  /** Records every order of one message in one transaction: all of them, or none. */
  record(orders: readonly OrderUpdate[], source: OrderSource): void {
    this.db.transaction(() => {
      for (const order of orders) {
        this.upsert.run({ ...order, id: crypto.randomUUID(), messageType: source.messageType, controlId: source.controlId, at: source.at });
        const id = this.idOf.get(order.accession)!.id;
        this.changes.append('order-received', 'order', id, { control: order.control, priority: order.priority, state: order.state }, source.at);
      }
    })();
  }
}
