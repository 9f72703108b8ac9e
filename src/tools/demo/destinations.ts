import type { DestinationInput } from '../../config/sections/alerts.js';
import { VigilError } from '../../core/errors.js';
import type { NodeApi } from './node-api.js';

/** The ids the demo's destinations always have, so that a second run finds and replaces them. */
export const DEMO_HL7_DESTINATION = 'demo-ris-hl7';
export const DEMO_FHIR_DESTINATION = 'demo-ehr-fhir';
export const DEMO_PACS_DESTINATION = 'demo-pacs-dicom';

/** Where the demo's sinks listen (DemoSinks has it all). */
export interface DemoSinkAddresses {
  host: string;
  hl7: { port: number };
  fhir: { baseUrl: string };
  pacs: { port: number; aeTitle: string };
}

/** The demo sinks as alert destinations of the node (the schema of src/config/sections/alerts.ts). */
export function demoDestinations(sinks: DemoSinkAddresses): DestinationInput[] {
  const note = 'vigil demo: a stand-in on loopback, registered by `vigil demo`';
  return [
    {
      id: DEMO_HL7_DESTINATION,
      type: 'hl7v2',
      description: `${note} (RIS, HL7 v2 over MLLP)`,
      host: sinks.host,
      port: sinks.hl7.port,
      receivingApplication: 'DEMO_RIS',
      // Training: a RIS that sees these messages must not take them for production results.
      processingId: 'T',
      connectTimeoutMs: 2000,
      responseTimeoutMs: 5000,
    },
    {
      id: DEMO_FHIR_DESTINATION,
      type: 'fhir',
      description: `${note} (EHR, FHIR R4)`,
      baseUrl: sinks.fhir.baseUrl,
      team: { display: 'Demo on-call radiology team' },
      timeoutMs: 5000,
    },
    {
      id: DEMO_PACS_DESTINATION,
      type: 'dicom',
      description: `${note} (PACS, DICOM AI Results: TID 1500 SR, SEG, KOS, and the burned-in Secondary Capture)`,
      host: sinks.host,
      port: sinks.pacs.port,
      aeTitle: sinks.pacs.aeTitle,
      // The AI Results set and the burned-in key image: the demo shows every object there is.
      send: ['sr', 'seg', 'kos', 'sc'],
      timeoutMs: 5000,
    },
  ];
}

interface ListedDestination {
  id: string;
  source: 'config' | 'api';
}

/**
 * Adds or replaces the demo's destinations through POST/PUT /alerts/destinations (role `it`):
 * a second run replaces the first run's (the sinks' ports change), never adds more. A
 * destination of the same id in the config file is a conflict the operator must resolve.
 */
export async function registerDestinations(api: NodeApi, destinations: readonly DestinationInput[]): Promise<void> {
  const existing = await api.get<ListedDestination[]>('/alerts/destinations');
  for (const dest of destinations) {
    const found = existing.find((d) => d.id === dest.id);
    if (found?.source === 'config') {
      throw new VigilError('DEMO_API_REFUSED', `alert destination "${dest.id}" is defined in the node's config file; the demo cannot replace it there`);
    }
    if (found) await api.put(`/alerts/destinations/${dest.id}`, dest);
    else await api.post('/alerts/destinations', dest);
  }
}

/**
 * Switches the demo's destinations off once the demo's sinks are gone, so that later alerts
 * are not queued for a listener that no longer exists. The next run switches them on again.
 */
export async function disableDestinations(api: NodeApi, destinations: readonly DestinationInput[]): Promise<void> {
  for (const dest of destinations) await api.put(`/alerts/destinations/${dest.id}`, { ...dest, enabled: false });
}
