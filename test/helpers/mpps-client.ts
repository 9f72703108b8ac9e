import dimse from '../../src/dicom/net/dimse.js';
import { MPPS_SOP_CLASS } from '../../src/dicom/data/uids.js';

export interface MppsStep {
  kind: 'create' | 'set';
  /** The step's SOP Instance UID (empty on create: the SCP assigns one). */
  uid: string;
  attrs: Record<string, unknown>;
}

export interface MppsResult {
  status: number | undefined;
  /** Affected SOP Instance UID of an N-CREATE response. */
  uid?: string;
}

/** Sends N-CREATE / N-SET requests in one association with the real dcmjs-dimse client. */
export function sendMpps(port: number, steps: MppsStep[], opts: { calledAe?: string } = {}): Promise<MppsResult[]> {
  const client = new dimse.Client();
  const results: MppsResult[] = steps.map(() => ({ status: undefined }));
  steps.forEach((step, i) => {
    const request =
      step.kind === 'create' ? new dimse.requests.NCreateRequest(MPPS_SOP_CLASS, step.uid) : new dimse.requests.NSetRequest(MPPS_SOP_CLASS, step.uid);
    request.setDataset(new dimse.Dataset(step.attrs, '1.2.840.10008.1.2.1'));
    request.on('response', (response: { getStatus(): number; getAffectedSopInstanceUid(): string }) => {
      results[i] = { status: response.getStatus(), uid: response.getAffectedSopInstanceUid() };
    });
    client.addRequest(request);
  });
  return new Promise((resolve, reject) => {
    client.on('closed', () => resolve(results));
    client.on('networkError', (e: Error) => reject(e));
    client.send('127.0.0.1', port, 'MODALITY', opts.calledAe ?? 'VIGIL');
  });
}

/** An MPPS data set for a step over the given series and their instances (CT Image Storage unless told). */
export function mppsAttrs(
  status: 'IN PROGRESS' | 'COMPLETED' | 'DISCONTINUED',
  series: { seriesInstanceUid: string; sopInstanceUids: string[] }[] = [],
  sopClassUid = '1.2.840.10008.5.1.4.1.1.2',
): Record<string, unknown> {
  return {
    PerformedProcedureStepStatus: status,
    PerformedSeriesSequence: series.map((s) => ({
      SeriesInstanceUID: s.seriesInstanceUid,
      ReferencedImageSequence: s.sopInstanceUids.map((uid) => ({
        ReferencedSOPClassUID: sopClassUid,
        ReferencedSOPInstanceUID: uid,
      })),
    })),
  };
}
