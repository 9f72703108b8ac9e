import { expect } from 'chai';
import { CommandField, NO_DATA_SET, encodeCommand, type CommandElements } from '../../src/dicom/net/command-set.js';
import { commandPdu } from '../../src/dicom/net/pdata-tf.js';
import { ResponseEncoder, type ResponseAnswer } from '../../src/dicom/net/response-encoder.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';

/** The response as encoded afresh, element by element (what the node sent before templates). */
function fresh(contextId: number, field: number, request: CommandElements, answer: ResponseAnswer): Buffer {
  const command = encodeCommand({
    CommandField: field,
    MessageIDBeingRespondedTo: request.MessageID,
    AffectedSOPClassUID: request.AffectedSOPClassUID,
    AffectedSOPInstanceUID: request.AffectedSOPInstanceUID,
    CommandDataSetType: NO_DATA_SET,
    Status: answer.status,
    ErrorComment: answer.comment,
  })!;
  return commandPdu(contextId, command);
}

describe('dicom/response-encoder: C-STORE and C-ECHO responses encoded once per shape', () => {
  it('gives the bytes of a fresh encoding for every message ID and UID of a shape', () => {
    const encoder = new ResponseEncoder();
    const cases: [number, number, CommandElements, ResponseAnswer][] = [];
    for (const messageId of [1, 2, 255, 256, 0xfffe, 0xffff]) {
      for (const uid of ['1.2.3.4.5.6.7', '1.2.3.4.5.6.78', '1.2.3.4.5.6.79', `1.${'2'.repeat(62)}`]) {
        cases.push([1, CommandField.CStoreResponse, { MessageID: messageId, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid }, { status: 0 }]);
        cases.push([3, CommandField.CStoreResponse, { MessageID: messageId, AffectedSOPClassUID: MR, AffectedSOPInstanceUID: uid }, { status: 0 }]);
        cases.push([
          1,
          CommandField.CStoreResponse,
          { MessageID: messageId, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid },
          { status: 0xb001, comment: 'held with other content: the first one is kept' },
        ]);
        cases.push([
          1,
          CommandField.CStoreResponse,
          { MessageID: messageId, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: uid },
          { status: 0xc001, comment: 'odd' },
        ]);
      }
      cases.push([5, CommandField.CEchoResponse, { MessageID: messageId, AffectedSOPClassUID: '1.2.840.10008.1.1' }, { status: 0 }]);
    }
    // Each case twice, so that the second of a shape comes from its kept PDU.
    for (const [contextId, field, request, answer] of [...cases, ...cases]) {
      expect(encoder.pdu(contextId, field, request, answer), JSON.stringify({ contextId, request, answer })).to.deep.equal(
        fresh(contextId, field, request, answer),
      );
    }
    // Shapes: four of context, SOP class and status, each with three UID lengths (two UIDs
    // share one), and the C-ECHO response.
    expect(encoder.shapes).to.equal(4 * 3 + 1);
  });

  it('hands out a PDU of its own each time: a response sent is never rewritten by the next', () => {
    const encoder = new ResponseEncoder();
    const first = encoder.pdu(1, CommandField.CStoreResponse, { MessageID: 7, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: '1.2.3.4' }, { status: 0 });
    const copy = Buffer.from(first);
    encoder.pdu(1, CommandField.CStoreResponse, { MessageID: 8, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: '1.2.3.5' }, { status: 0 });
    expect(first).to.deep.equal(copy);
  });

  it('answers a request without a message ID or UIDs as a fresh encoding does', () => {
    const encoder = new ResponseEncoder();
    for (let i = 0; i < 2; i++) {
      expect(encoder.pdu(1, CommandField.CStoreResponse, {}, { status: 0xc000, comment: 'C-STORE without a data set' })).to.deep.equal(
        fresh(1, CommandField.CStoreResponse, {}, { status: 0xc000, comment: 'C-STORE without a data set' }),
      );
    }
  });

  it('keeps a bounded number of shapes: varying comments do not grow it without end', () => {
    const encoder = new ResponseEncoder();
    for (let i = 0; i < 1000; i++) {
      const request = { MessageID: i, AffectedSOPClassUID: CT, AffectedSOPInstanceUID: '1.2.3' };
      const answer = { status: 0xc004, comment: `SOPInstanceUID ${i}` };
      expect(encoder.pdu(1, CommandField.CStoreResponse, request, answer)).to.deep.equal(fresh(1, CommandField.CStoreResponse, request, answer));
    }
    expect(encoder.shapes).to.equal(256);
  });
});
