import { expect } from 'chai';
import dimse from '../../src/dicom/net/dimse.js';
import { CommandSetError, decodeCommand, encodeCommand } from '../../src/dicom/net/command-set.js';
import { commandPdu } from '../../src/dicom/net/pdata-tf.js';

/** What dcmjs-dimse itself would put on the wire for the command (its own encoder). */
function libraryBytes(command: { getCommandDataset(): { getDenaturalizedCommandDataset(): Buffer } }): Buffer {
  return command.getCommandDataset().getDenaturalizedCommandDataset();
}

describe('dicom/command-set: commands read and written without dcmjs', () => {
  it('encodes a C-STORE response byte for byte as dcmjs-dimse does', () => {
    const response = new dimse.responses.CStoreResponse(0x0000, '');
    response.setAffectedSopClassUid('1.2.840.10008.5.1.4.1.1.2');
    response.setAffectedSopInstanceUid('1.2.3.4.5.6.7'); // odd length: padded with NUL
    response.setMessageIdBeingRespondedTo(513);
    const elements = response.getCommandDataset().getElements();
    expect(encodeCommand(elements)).to.deep.equal(libraryBytes(response));
  });

  it('encodes a refusal with its error comment as dcmjs-dimse does', () => {
    const response = new dimse.responses.CStoreResponse(0xc001, 'data set ends early (byte 4096)');
    response.setAffectedSopClassUid('1.2.840.10008.5.1.4.1.1.2');
    response.setAffectedSopInstanceUid('1.2.3.4');
    response.setMessageIdBeingRespondedTo(7);
    response.setErrorComment('odd comment');
    const elements = response.getCommandDataset().getElements();
    expect(elements).to.have.property('ErrorComment');
    expect(encodeCommand(elements)).to.deep.equal(libraryBytes(response));
  });

  it('encodes a C-ECHO response as dcmjs-dimse does', () => {
    const response = new dimse.responses.CEchoResponse(0x0000, '');
    response.setMessageIdBeingRespondedTo(1);
    expect(encodeCommand(response.getCommandDataset().getElements())).to.deep.equal(libraryBytes(response));
  });

  it('leaves a command with an element it does not know to dcmjs-dimse', () => {
    expect(encodeCommand({ CommandField: 0x8001, OffendingElement: ['00100010'] })).to.equal(undefined);
    expect(encodeCommand({ Status: 'not a number' })).to.equal(undefined);
    expect(encodeCommand({ MessageIDBeingRespondedTo: 70000 })).to.equal(undefined);
  });

  it('wraps a command in one P-DATA-TF PDU, one last-fragment command PDV', () => {
    const command = encodeCommand({ CommandField: 0x8030, Status: 0 })!;
    const pdu = commandPdu(3, command);
    expect(pdu[0]).to.equal(0x04);
    expect(pdu.readUInt32BE(2)).to.equal(pdu.length - 6);
    expect(pdu.readUInt32BE(6)).to.equal(command.length + 2);
    expect([pdu[10], pdu[11]]).to.deep.equal([3, 0x03]);
    expect(pdu.subarray(12)).to.deep.equal(command);
  });

  it('decodes a C-STORE request as dcmjs-dimse encodes it', () => {
    const dataset = new dimse.Dataset({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: '1.2.3.4.5.6.7' });
    const request = new dimse.requests.CStoreRequest(dataset);
    request.setMessageId(65535);
    const elements = request.getCommandDataset().getElements();
    Object.assign(elements, { MoveOriginatorApplicationEntityTitle: 'MOVER', MoveOriginatorMessageID: 3 });
    const decoded = decodeCommand(libraryBytes(request));
    expect(decoded).to.deep.equal({
      CommandField: 0x0001,
      MessageID: 65535,
      Priority: 0,
      CommandDataSetType: 0x0202,
      AffectedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      AffectedSOPInstanceUID: '1.2.3.4.5.6.7',
      MoveOriginatorApplicationEntityTitle: 'MOVER',
      MoveOriginatorMessageID: 3,
    });
  });

  it('reads back what it encodes, and skips elements it does not know', () => {
    const command = encodeCommand({ CommandField: 0x0030, MessageID: 9, CommandDataSetType: 0x0101, AffectedSOPClassUID: '1.2.840.10008.1.1' })!;
    const unknown = Buffer.from([0x00, 0x00, 0x00, 0x55, 0x02, 0x00, 0x00, 0x00, 0xab, 0xcd]); // (0000,5500), 2 bytes
    expect(decodeCommand(Buffer.concat([command, unknown]))).to.deep.equal({
      CommandField: 0x0030,
      MessageID: 9,
      CommandDataSetType: 0x0101,
      AffectedSOPClassUID: '1.2.840.10008.1.1',
    });
  });

  it('refuses a command whose elements run past its end', () => {
    const command = encodeCommand({ CommandField: 0x0001, AffectedSOPInstanceUID: '1.2.3.4' })!;
    expect(() => decodeCommand(command.subarray(0, command.length - 3))).to.throw(CommandSetError, /runs past/);
    expect(() => decodeCommand(command.subarray(0, 13))).to.throw(CommandSetError, /cut/);
  });
});
