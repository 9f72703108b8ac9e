import dimse from '../../dicom/net/dimse.js';
import type { DicomPeer } from '../../dicom/net/store-scu.js';
import { MPPS_SOP_CLASS, TransferSyntax } from '../../dicom/data/uids.js';
import { VigilError } from '../../core/errors.js';
import { phantomUid } from '../phantom/uids.js';

/** What a modality reports about one performed step: the study it belongs to and what it made. */
export interface PerformedStep {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesDescription: string;
  modality: string;
  accessionNumber: string;
  patient: { name: string; id: string; birthDate: string; sex: string };
  sopClassUid: string;
  sopInstanceUids: string[];
}

const SUCCESS = 0x0000;

/**
 * Modality Performed Procedure Step, as a DX room sends it: N-CREATE "IN PROGRESS" when the
 * exposure starts, N-SET "COMPLETED" with every instance made once it has sent them. The node
 * then knows the series is complete at once (a radiograph carries no image count, and would
 * otherwise wait out the idle window). Resolves with the step's UID; a refusal is an error.
 */
export class MppsScu {
  constructor(
    private readonly peer: DicomPeer,
    private readonly callingAeTitle: string,
  ) {}

  async begin(step: PerformedStep, at: Date): Promise<string> {
    const uid = phantomUid('demo-mpps', step.seriesInstanceUid);
    const { date, time } = dicomDateTime(at);
    await this.send(new dimse.requests.NCreateRequest(MPPS_SOP_CLASS, uid), 'N-CREATE', {
      ScheduledStepAttributesSequence: [
        {
          StudyInstanceUID: step.studyInstanceUid,
          AccessionNumber: step.accessionNumber,
          RequestedProcedureID: step.accessionNumber,
          ScheduledProcedureStepID: step.accessionNumber,
        },
      ],
      PatientName: step.patient.name,
      PatientID: step.patient.id,
      PatientBirthDate: step.patient.birthDate,
      PatientSex: step.patient.sex,
      PerformedProcedureStepID: step.accessionNumber,
      PerformedStationAETitle: this.callingAeTitle,
      PerformedProcedureStepStartDate: date,
      PerformedProcedureStepStartTime: time,
      PerformedProcedureStepStatus: 'IN PROGRESS',
      PerformedProcedureStepDescription: step.seriesDescription,
      Modality: step.modality,
      StudyID: step.accessionNumber.slice(-8),
      PerformedSeriesSequence: [],
    });
    return uid;
  }

  async complete(uid: string, step: PerformedStep, at: Date): Promise<void> {
    const { date, time } = dicomDateTime(at);
    await this.send(new dimse.requests.NSetRequest(MPPS_SOP_CLASS, uid), 'N-SET', {
      PerformedProcedureStepStatus: 'COMPLETED',
      PerformedProcedureStepEndDate: date,
      PerformedProcedureStepEndTime: time,
      PerformedSeriesSequence: [
        {
          SeriesInstanceUID: step.seriesInstanceUid,
          SeriesDescription: step.seriesDescription,
          RetrieveAETitle: '',
          PerformingPhysicianName: '',
          OperatorsName: '',
          ProtocolName: step.seriesDescription,
          ReferencedImageSequence: step.sopInstanceUids.map((sop) => ({ ReferencedSOPClassUID: step.sopClassUid, ReferencedSOPInstanceUID: sop })),
          ReferencedNonImageCompositeSOPInstanceSequence: [],
        },
      ],
    });
  }

  private send(
    request: InstanceType<typeof dimse.requests.NCreateRequest> | InstanceType<typeof dimse.requests.NSetRequest>,
    what: string,
    attrs: Record<string, unknown>,
  ): Promise<void> {
    request.setDataset(new dimse.Dataset(attrs, TransferSyntax.ExplicitVRLittleEndian));
    const client = new dimse.Client();
    let status: number | undefined;
    let comment = '';
    request.on('response', (response: { getStatus(): number; getErrorComment(): string }) => {
      status = response.getStatus();
      comment = response.getErrorComment() ?? '';
    });
    client.addRequest(request);
    const { host, port, aeTitle } = this.peer;
    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      client.on('networkError', (err: Error) => (failure = err));
      client.on('closed', () => {
        if (status === SUCCESS) return resolve();
        const where = `MPPS ${what} to ${aeTitle} at ${host}:${port}`;
        if (status !== undefined) {
          reject(
            new VigilError('DEMO_API_REFUSED', `${where}: refused with status 0x${status.toString(16).padStart(4, '0')}${comment ? ` (${comment})` : ''}`),
          );
        } else reject(new VigilError('DICOM_PEER_UNAVAILABLE', `${where}: ${failure ? `network error: ${failure.message}` : 'no answer'}`, { cause: failure }));
      });
      client.send(host, port, this.callingAeTitle, aeTitle);
    });
  }
}

function dicomDateTime(at: Date): { date: string; time: string } {
  const iso = at.toISOString();
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 19).replaceAll(':', '') };
}
