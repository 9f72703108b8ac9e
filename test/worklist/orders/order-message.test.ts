import { expect } from 'chai';
import { parseMessage } from '../../../src/hl7/parse.js';
import { readOrders } from '../../../src/worklist/orders/order-message.js';
import { priorityOfHl7 } from '../../../src/worklist/orders/table-0027.js';
import { orderMessage } from './order-fixtures.js';

const read = (text: string) => readOrders(parseMessage(text));

describe('worklist/orders/order-message', () => {
  it('reads an ORM^O01 the IHE way: accession in OBR-18, priority in ORC-7.6, procedure in OBR-4', () => {
    const r = read(orderMessage({ accession: 'ACC1', priority: 'S' }));
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    expect(r.orders).to.deep.equal([
      {
        accession: 'ACC1',
        placerOrder: 'PLACER-1',
        fillerOrder: 'FILLER-1',
        procedureCode: 'CTHEAD',
        procedureText: 'CT head without contrast',
        hl7Priority: 'S',
        priority: 'stat',
        control: 'NW',
        state: 'active',
      },
    ]);
  });

  it('reads an OMI^O23: accession in IPC-1, priority in TQ1-9', () => {
    const r = read(orderMessage({ type: 'OMI^O23', accession: 'ACC2', priority: 'A' }));
    expect(r.ok && r.orders[0]).to.include({ accession: 'ACC2', hl7Priority: 'A', priority: 'urgent' });
  });

  it('maps table 0027: S stat; A, P, C, T urgent; R, PRN and nothing routine; anything else refused', () => {
    expect(['S', 'A', 'P', 'C', 'T', 'R', 'PRN', ''].map(priorityOfHl7)).to.deep.equal([
      'stat',
      'urgent',
      'urgent',
      'urgent',
      'urgent',
      'routine',
      'routine',
      'routine',
    ]);
    expect(priorityOfHl7('X')).to.equal(undefined);
    expect(priorityOfHl7('toString')).to.equal(undefined);
    const r = read(orderMessage({ accession: 'ACC3', priority: 'X' }));
    expect(r).to.deep.include({ ok: false });
    if (!r.ok) expect(r.refusal).to.include({ ack: 'AR', errorCode: '103' });
  });

  it('reads cancellations as a cancelled order', () => {
    const r = read(orderMessage({ accession: 'ACC4', control: 'CA' }));
    expect(r.ok && r.orders[0]).to.include({ state: 'cancelled', control: 'CA' });
  });

  it('refuses what it cannot act on with AR and a reason that never quotes the patient', () => {
    const cases: [string, string][] = [
      [orderMessage({ accession: 'A' }).replace('ORM^O01^ORM_O01', 'ADT^A01^ADT_A01'), '200'],
      [orderMessage({ accession: 'A', control: 'ZZ' }), '103'],
      [orderMessage({ accession: '' }).replace(/\|FILLER-1/g, '|'), '101'],
      [
        orderMessage({ accession: 'A' })
          .split('\r')
          .filter((s) => !s.startsWith('ORC'))
          .join('\r'),
        '100',
      ],
    ];
    for (const [text, code] of cases) {
      const r = read(text);
      expect(r.ok, code).to.equal(false);
      if (r.ok) continue;
      expect(r.refusal, code).to.include({ ack: 'AR', errorCode: code });
      expect(r.refusal.reason).not.to.include('BRIEN');
    }
  });

  it('falls back to the filler order number when no accession field is sent', () => {
    const text = orderMessage({ accession: '' });
    const r = read(text);
    expect(r.ok && r.orders[0]!.accession).to.equal('FILLER-1');
  });
});
