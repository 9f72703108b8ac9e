import { randomUUID } from 'node:crypto';
import dimse from '../../../src/dicom/net/dimse.js';
import { mppsAttrs, sendMpps } from '../../helpers/mpps-client.js';
import type { PreparedStudy } from './studies.js';

/**
 * C-STORE of a study's files in one association with the dcmjs-dimse client, in this process
 * (the node runs here too, so both sides read one clock). Resolves with the wall-clock time
 * (ms since the epoch, the index's unit) at which the last C-STORE response arrived.
 */
export function storeStudy(port: number, study: PreparedStudy): Promise<number> {
  const client = new dimse.Client();
  let lastResponseAt = 0;
  let failed = 0;
  for (const file of study.files) {
    const request = new dimse.requests.CStoreRequest(file);
    request.on('response', (response: { getStatus(): number }) => {
      lastResponseAt = Date.now();
      if (response.getStatus() !== 0) failed++;
    });
    client.addRequest(request);
  }
  return new Promise((resolve, reject) => {
    client.on('closed', () =>
      failed > 0 || lastResponseAt === 0 ? reject(new Error(`${failed} C-STORE failures for ${study.kind.id} ${study.seed}`)) : resolve(lastResponseAt),
    );
    client.on('networkError', reject);
    client.send('127.0.0.1', port, 'BENCHSCU', 'VIGIL');
  });
}

/** What a modality sends when the acquisition ends: the step COMPLETED, listing every instance. */
export async function completeStep(port: number, study: PreparedStudy): Promise<void> {
  const step = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
  const series = [{ seriesInstanceUid: study.seriesInstanceUid, sopInstanceUids: study.sopInstanceUids }];
  const answers = await sendMpps(port, [
    { kind: 'create', uid: step, attrs: mppsAttrs('IN PROGRESS', series, study.sopClassUid) },
    { kind: 'set', uid: step, attrs: mppsAttrs('COMPLETED', series, study.sopClassUid) },
  ]);
  if (answers.some((a) => a.status !== 0)) throw new Error(`MPPS refused: ${JSON.stringify(answers)}`);
}
