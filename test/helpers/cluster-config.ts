import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { copyPacks } from './triage.js';

/**
 * The config file of a cluster test's nodes, in `work`: the test model under a shipped pack's id
 * (`stroke-ich`: the rules accept those) routed from every CT series, idle windows of
 * `idleSeconds`, and one webhook destination at `hookUrl`. Every node of the test reads it.
 */
export function writeClusterConfig(work: string, opts: { hookUrl: string; idleSeconds: number }): string {
  const models = copyPacks(path.join(work, 'models'), ['test-volume']);
  fs.renameSync(path.join(models, 'test-volume'), path.join(models, 'stroke-ich'));
  const manifest = path.join(models, 'stroke-ich', 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifest, 'utf8')), id: 'stroke-ich' }));
  const rulesFile = path.join(work, 'rules.yaml');
  fs.writeFileSync(rulesFile, YAML.stringify({ rules: [{ id: 'site.heads', when: { attr: 'Modality', equals: 'CT' }, then: { models: ['stroke-ich'] } }] }));
  const configFile = path.join(work, 'vigil.yaml');
  fs.writeFileSync(
    configFile,
    YAML.stringify({
      series: { idleSeconds: opts.idleSeconds },
      triage: { modelsDir: models, workers: 1 },
      rules: { file: rulesFile, watch: false },
      storage: { minFreeMb: 0 },
      alerts: {
        destinations: [{ id: 'chat', type: 'webhook', url: opts.hookUrl, secret: 'cluster-secret' }],
        delivery: { backoff: { initialMs: 10, maxMs: 40 } },
      },
    }),
  );
  return configFile;
}
