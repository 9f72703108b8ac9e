import type { DestinationConfig } from '../../config/sections/alerts.js';
import type { ChannelHandler } from './channel.js';
import { DicomChannel, type AirServices, type KeyImageSource } from './dicom/dicom-channel.js';
import { FhirChannel } from './fhir/fhir-channel.js';
import { Hl7Channel } from './hl7/hl7-channel.js';
import { WebhookChannel } from './webhook/webhook-channel.js';

/** What channels may need from the rest of the node. */
export interface ChannelServices {
  /** Key images as triage stored them (a DICOM destination sends them as Secondary Captures). */
  keyImage: KeyImageSource;
  /** Localisation maps, source images and the node's own store, for the AI Results set (none: no SEG, nothing kept). */
  air?: AirServices;
}

/**
 * The output channels, keyed by destination type. Adding a type to the destination schema
 * fails to compile here until it has a handler.
 */
export function createChannel(dest: DestinationConfig, services: ChannelServices): ChannelHandler {
  switch (dest.type) {
    case 'hl7v2':
      return new Hl7Channel(dest);
    case 'fhir':
      return new FhirChannel(dest);
    case 'webhook':
      return new WebhookChannel(dest);
    case 'dicom':
      return new DicomChannel(dest, services.keyImage, services.air ?? null);
    default:
      return dest satisfies never;
  }
}
