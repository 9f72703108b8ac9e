import type { Finding } from '../domain/finding.js';

/**
 * Which operating point decided a finding, in words every message and view uses the same way:
 * `site operating point v3` (set by IT from local evidence) or `shipped operating point
 * "balanced" of stroke-ich 1.2.0`. A finding stored before site points existed is shipped.
 */
export function operatingPointLabel(f: Pick<Finding, 'operatingPoint' | 'modelId' | 'modelVersion'>): string {
  const op = f.operatingPoint;
  if (op.source === 'site') return `site operating point v${op.version ?? '?'} of ${f.modelId} ${f.modelVersion}`;
  return `shipped operating point "${op.name}" of ${f.modelId} ${f.modelVersion}`;
}
