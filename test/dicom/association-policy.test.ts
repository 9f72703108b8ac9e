import { expect } from 'chai';
import { dicomSection, type DicomConfig } from '../../src/config/sections/dicom.js';
import { evaluateAssociation, type AssociationRequest } from '../../src/dicom/net/association-policy.js';
import { AssociationCounts } from '../../src/dicom/net/association-counts.js';

function config(overrides: Record<string, unknown> = {}): DicomConfig {
  return dicomSection.parse(overrides);
}

function request(open: Partial<AssociationRequest['open']>, callingAeTitle = 'SOMEONE', remoteAddress = '10.0.0.9'): AssociationRequest {
  return { calledAeTitle: 'VIGIL', callingAeTitle, remoteAddress, open: { total: 0, fromAddress: 0, withAeTitle: 0, ...open } };
}

describe('dicom/association-policy: one peer cannot take every slot', () => {
  const withModality = { maxAssociations: 10, reservedAssociations: 3, modalities: [{ aeTitle: 'CT1', host: '10.0.0.1' }] };

  it('keeps the last reservedAssociations slots for the modalities of dicom.modalities', () => {
    const c = config(withModality);
    expect(evaluateAssociation(c, request({ total: 6 }))).to.equal(undefined);
    expect(evaluateAssociation(c, request({ total: 7 }))?.reason).to.equal('reserved-for-modalities');
    // A configured modality, from its host, still gets in up to the limit itself.
    expect(evaluateAssociation(c, request({ total: 7 }, 'CT1', '10.0.0.1'))).to.equal(undefined);
    expect(evaluateAssociation(c, request({ total: 9 }, 'CT1', '::ffff:10.0.0.1'))).to.equal(undefined);
    expect(evaluateAssociation(c, request({ total: 10 }, 'CT1', '10.0.0.1'))?.reason).to.equal('local-limit-exceeded');
  });

  it('reserves nothing while no modality is configured', () => {
    const c = config({ maxAssociations: 10, reservedAssociations: 3 });
    expect(evaluateAssociation(c, request({ total: 9 }))).to.equal(undefined);
    expect(evaluateAssociation(c, request({ total: 10 }))?.reason).to.equal('local-limit-exceeded');
  });

  it('caps the associations of one address and of one calling AE title, configured modalities included', () => {
    const c = config({ ...withModality, maxAssociationsPerAddress: 2, maxAssociationsPerAeTitle: 3 });
    expect(evaluateAssociation(c, request({ fromAddress: 1, withAeTitle: 1 }))).to.equal(undefined);
    expect(evaluateAssociation(c, request({ fromAddress: 2 }))?.reason).to.equal('address-limit-exceeded');
    expect(evaluateAssociation(c, request({ fromAddress: 2 }, 'CT1', '10.0.0.1'))?.reason).to.equal('address-limit-exceeded');
    expect(evaluateAssociation(c, request({ withAeTitle: 3 }))?.reason).to.equal('ae-title-limit-exceeded');
  });

  it('still refuses a wrong called AE title or a modality from another host first', () => {
    const c = config(withModality);
    expect(evaluateAssociation(c, { ...request({}), calledAeTitle: 'OTHER' })?.reason).to.equal('called-ae-not-recognized');
    expect(evaluateAssociation(c, request({ total: 10 }, 'CT1', '10.0.0.2'))?.reason).to.equal('calling-ae-not-recognized');
  });

  it('counts by address and AE title, and frees a slot once however often it is freed', () => {
    const counts = new AssociationCounts();
    const first = counts.open('::ffff:127.0.0.2', 'CT1 ');
    counts.open('127.0.0.2', 'MR1');
    expect(counts.of('127.0.0.2', 'CT1')).to.deep.equal({ total: 2, fromAddress: 2, withAeTitle: 1 });
    first();
    first();
    expect(counts.of('127.0.0.2', 'CT1')).to.deep.equal({ total: 1, fromAddress: 1, withAeTitle: 0 });
    const wait = counts.startWaiting('127.0.0.3');
    expect(counts.waitingFrom('::ffff:127.0.0.3')).to.equal(1);
    wait();
    wait();
    expect(counts.waitingFrom('127.0.0.3')).to.equal(0);
  });
});

describe('config: dicom association limits', () => {
  it('refuses reserving every slot when modalities are configured, naming the key', () => {
    const result = dicomSection.safeParse({ maxAssociations: 4, reservedAssociations: 4, modalities: [{ aeTitle: 'CT1' }] });
    expect(result.success).to.equal(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).to.deep.equal(['reservedAssociations']);
  });

  it('refuses a socket backstop shorter than the idle timer, naming the key', () => {
    const result = dicomSection.safeParse({ timeouts: { pduMs: 120_000 } });
    expect(result.success).to.equal(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).to.deep.equal(['timeouts.connectMs']);
  });

  it('has defaults that keep four slots for modalities and cap one peer at eight', () => {
    const c = config();
    expect([c.maxAssociations, c.maxAssociationsPerAddress, c.maxAssociationsPerAeTitle, c.reservedAssociations]).to.deep.equal([32, 8, 8, 4]);
    expect(c.timeouts).to.include({ associationMs: 10_000, firstMessageMs: 10_000, pduMs: 60_000 });
  });
});
