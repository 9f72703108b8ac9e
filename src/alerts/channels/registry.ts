import type { DestinationConfig } from '../../config/sections/alerts.js';
import type { ChannelHandler } from './channel.js';
import { FhirChannel } from './fhir/fhir-channel.js';
import { Hl7Channel } from './hl7/hl7-channel.js';
import { WebhookChannel } from './webhook/webhook-channel.js';

/**
 * The output channels, keyed by destination type. Adding a type to the destination schema
 * fails to compile here until it has a handler.
 */
export function createChannel(dest: DestinationConfig): ChannelHandler {
  switch (dest.type) {
    case 'hl7v2':
      return new Hl7Channel(dest);
    case 'fhir':
      return new FhirChannel(dest);
    case 'webhook':
      return new WebhookChannel(dest);
    default:
      return dest satisfies never;
  }
}
