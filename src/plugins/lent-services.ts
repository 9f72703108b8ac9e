import { VigilError } from '../core/errors.js';
import type { DicomIndex } from '../store/dicom-index.js';
import type { TriageEngine } from '../triage/engine.js';
import type { RuleHints } from '../worklist/rule-hints.js';
import type { PluginServices } from './services.js';

/** What the services reach; read when a plugin calls, so the parts may be built after the plugin host. */
export interface LentParts {
  index: DicomIndex;
  triage: () => TriageEngine;
  hints: () => RuleHints;
}

/**
 * The services one plugin gets in ctx. What a plugin asks for is attributed to it as
 * "plugin:<id>" wherever a rule id would stand (a job's rule, a worklist hint), so a
 * radiologist and an engineer can see where a priority or a job came from.
 */
export function lendServices(pluginId: string, parts: LentParts): PluginServices {
  const source = `plugin:${pluginId}`;
  return {
    triage: {
      request({ seriesId, seriesVersion, models, priority = 'routine' }) {
        for (const modelId of models) parts.triage().enqueue({ seriesId, seriesVersion, modelId, priority, ruleId: source });
        if (models.length > 0) parts.hints().record({ seriesId, priority, ruleId: source });
      },
    },
    worklist: {
      raisePriority(studyId, priority) {
        if (!parts.index.getResource('studies', studyId)) throw new VigilError('NOT_FOUND', 'no such study');
        parts.hints().recordForStudy(studyId, source, priority);
      },
    },
  };
}
