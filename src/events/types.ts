/**
 * What happens inside the node, as typed events. Parts hand work over through these and the
 * index, never through long call chains. Payloads carry ids and UIDs, never patient data.
 */
export interface InstanceStoredEvent {
  instanceId: string;
  seriesId: string;
  studyId: string;
  patientId: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  modality: string | null;
  callingAeTitle: string;
  /** The first instance of its series. */
  newSeries: boolean;
  newStudy: boolean;
  /** Milliseconds since the epoch when the instance became durable. */
  storedAt: number;
}

export interface VigilEventMap {
  'instance-stored': InstanceStoredEvent;
}

export type VigilEventName = keyof VigilEventMap;
