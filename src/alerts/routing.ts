import type { DestinationConfig, FindingFilter } from '../config/sections/alerts.js';
import type { Finding } from '../domain/finding.js';
import { PRIORITY_RANK } from '../domain/priority.js';

/**
 * Which findings go where. Alerts decide nothing about criticality: the model pack and the
 * rules did (src/ARCHITECTURE.md, "The path of a study", step 10); this only reads the finding
 * against each destination's filter.
 */
export function matchesFilter(filter: FindingFilter, finding: Finding): boolean {
  if (!finding.positive) return false;
  if (filter.criticalOnly && !finding.critical) return false;
  if (filter.models && !filter.models.includes(finding.modelId)) return false;
  if (filter.concepts && !filter.concepts.includes(finding.concept.code)) return false;
  return PRIORITY_RANK[finding.priority] >= PRIORITY_RANK[filter.minPriority];
}

/** The destinations that receive a first-line alert for this finding. */
export function destinationsFor(finding: Finding, destinations: readonly DestinationConfig[]): DestinationConfig[] {
  return destinations.filter((d) => d.enabled && d.use === 'alerts' && matchesFilter(d.when, finding));
}
