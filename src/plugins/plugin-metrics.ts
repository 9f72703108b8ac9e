import type { Metrics } from '../metrics/metrics.js';
import type { PluginHostObserver } from './host.js';

/**
 * Plugin figures: hook failures and timeouts by plugin and hook. Plugin ids come from config,
 * a small closed set, so they may be labels.
 */
export function pluginMetrics(metrics: Metrics): PluginHostObserver {
  const failures = metrics.counter({
    name: 'vigil_plugin_hook_failures_total',
    help: 'Plugin hook calls that threw (error) or ran past their time limit (timeout), and failed queued jobs (hook="queue")',
    labelNames: ['plugin', 'hook', 'kind'] as const,
  });
  return {
    hookFailed: (plugin, hook, kind) => failures.inc({ plugin, hook, kind }),
  };
}
