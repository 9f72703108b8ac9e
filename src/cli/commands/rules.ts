import path from 'node:path';
import type { Command } from 'commander';
import type { VigilConfig } from '../../config/schema.js';
import { loadConfig } from '../../config/load.js';
import { checkRules, type RuleCheck } from '../../rules/check.js';
import { defaultRulesOfPlugins } from '../../plugins/default-rules.js';
import { explainDecision } from '../../rules/explain.js';
import { seriesFromPaths } from '../../rules/header-series.js';
import { modelIdsFromManifests } from '../../rules/model-catalog.js';
import { routeSeries } from '../../rules/route.js';
import { readRulesFile } from '../../rules/rules-file.js';

/**
 * For IT, before a change goes live:
 *   vigil rules check config/rules.yaml
 *   vigil rules explain config/rules.yaml /path/to/study   (files or folders)
 * Exit status 1 when the rules have errors, so a script or CI can gate on it.
 */
export function registerRules(program: Command): void {
  const rules = program.command('rules').description('check routing rules and explain them on DICOM files');

  rules
    .command('check')
    .argument('<file>', 'a rules file (YAML or JSON), e.g. config/rules.yaml')
    .description('check a rules file as the node would before applying it: errors, warnings, the order in force')
    .action(async (file: string) => {
      const check = await checkFile(file);
      if (check.ruleSet) {
        out(`${file}: OK, ${check.ruleSet.rules.length} rules in this order:`);
        for (const rule of check.ruleSet.rules) {
          const from = rule.origin.kind === 'site' ? 'site' : `default of ${rule.origin.plugin}`;
          out(`  ${rule.enabled ? ' ' : '-'} ${rule.id} (${from})${rule.stop ? ' [stop]' : ''}: ${describeAction(rule.then)}`);
        }
      }
      if (!check.ruleSet) process.exitCode = 1;
    });

  rules
    .command('explain')
    .argument('<file>', 'a rules file (YAML or JSON)')
    .argument('<paths...>', 'DICOM files or folders; files are grouped into series by SeriesInstanceUID')
    .option('--show-patient-data', 'quote values of patient attributes in explanations (hidden by default)')
    .description('say which rules match each series of the given DICOM files, and why')
    .action(async (file: string, paths: string[], opts: { showPatientData?: boolean }) => {
      const check = await checkFile(file);
      if (!check.ruleSet) {
        process.exitCode = 1;
        return;
      }
      const { series, skipped } = await seriesFromPaths(paths);
      for (const s of skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
      if (series.length === 0) {
        process.stderr.write('no DICOM series found\n');
        process.exitCode = 1;
        return;
      }
      for (const s of series) {
        out(`\nseries ${s.seriesInstanceUid} (${s.files.length} file${s.files.length === 1 ? '' : 's'})`);
        const decision = routeSeries(check.ruleSet, s.facts, { showPatientData: opts.showPatientData === true });
        for (const line of explainDecision(decision, { detail: true })) out(`  ${line}`);
      }
    });
}

/** Reads and checks a file with the enabled plugins' defaults, printing every problem. */
async function checkFile(file: string): Promise<RuleCheck> {
  const config = nodeConfig();
  const enabled = config?.plugins.enabled ?? [];
  const { defaults, problems } = await defaultRulesOfPlugins(
    enabled,
    (config?.plugins.folders ?? []).map((f) => path.resolve(f)),
  );
  const destinations = config?.dicom.modalities.filter((m) => m.port !== undefined).map((m) => m.aeTitle);
  const { parsed } = readRulesFile(file);
  const check: RuleCheck =
    'error' in parsed
      ? { ruleSet: undefined, errors: [parsed.error], warnings: [] }
      : checkRules(parsed.document, { defaults, models: modelIdsFromManifests(config?.triage.modelsDir ?? './models'), destinations });
  check.errors.unshift(...problems);
  if (problems.length > 0) check.ruleSet = undefined;
  process.stderr.write(`plugins with default rules: ${enabled.join(', ') || 'none enabled (plugins.enabled)'}\n`);
  for (const e of check.errors) process.stderr.write(`error   ${file}: ${e.path}: ${e.message}\n`);
  for (const w of check.warnings) process.stderr.write(`warning ${file}: ${w.path}: ${w.message}\n`);
  if (check.errors.length > 0) process.stderr.write(`${file}: ${check.errors.length} error(s); the node would keep the rules it has\n`);
  return check;
}

/** The node's configuration (enabled plugins, forwarding destinations); without it those are not checked. */
function nodeConfig(): VigilConfig | undefined {
  try {
    return loadConfig().config;
  } catch {
    process.stderr.write('note: the node configuration could not be loaded; plugin defaults and forwarding destinations are not checked\n');
    return undefined;
  }
}

function describeAction(then: { models: string[]; priority: string; forward: string[] }): string {
  const parts = [then.models.length > 0 ? `run ${then.models.join(', ')} (${then.priority})` : 'run no model'];
  if (then.forward.length > 0) parts.push(`forward to ${then.forward.join(', ')}`);
  return parts.join('; ');
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
