import { expect } from 'chai';
import crypto from 'node:crypto';
import { resourceIds } from '../../src/domain/resource-ids.js';

/** Orthanc's shape, computed here from scratch: SHA-1 of the UIDs joined by '|', 5 × 8 hex. */
function expected(...parts: string[]): string {
  return crypto.createHash('sha1').update(parts.join('|')).digest('hex').match(/.{8}/g)!.join('-');
}

function check(patientId: string, study: string, series: string, instance: string): void {
  expect(resourceIds({ patientId, study, series, instance }), [patientId, study, series, instance].join(' / ')).to.deep.equal({
    patient: expected(patientId),
    study: expected(patientId, study),
    series: expected(patientId, study, series),
    instance: expected(patientId, study, series, instance),
  });
}

describe('domain/resource-ids: ids of the levels, parents kept for the series seen last', () => {
  it('gives every instance of interleaved series the ids computed from scratch', () => {
    for (let i = 0; i < 50; i++) {
      for (const s of ['1', '2', '3']) check(`PID-${s}`, `1.2.3.${s}`, `1.2.3.${s}.1`, `1.2.3.${s}.1.${i}`);
    }
  });

  it('never takes one series for another when a value holds the separator', () => {
    check('a|b', 'c', 'd', 'e');
    check('a', 'b|c', 'd', 'e');
    check('a', 'b', 'c|d', 'e');
  });

  it('stays right past the number of series it keeps', () => {
    for (let i = 0; i < 600; i++) check(`PID-${i % 7}`, `1.2.${i}`, `1.2.${i}.1`, `1.2.${i}.1.1`);
    check('PID-0', '1.2.0', '1.2.0.1', '1.2.0.1.2');
  });
});
