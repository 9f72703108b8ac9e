// The services the node lends to plugins are the SDK's contract: defined with its types.
export type { PluginServices, TriageService, WorklistService } from './sdk-types.js';
