import fs from 'node:fs';
import { expect } from 'chai';
import type * as Sdk from '../../src/plugins/sdk.js';
import type { Finding, CodedConcept, IncompleteSeries } from '../../src/domain/finding.js';
import type { Priority } from '../../src/domain/priority.js';
import type { Role } from '../../src/domain/roles.js';
import type { MainTags } from '../../src/domain/header-summary.js';
import type { InstanceStoredEvent, SeriesStableEvent, StableReason } from '../../src/events/types.js';
import type { DicomPeer, SendReport } from '../../src/dicom/net/store-scu.js';
import type { JobState, QueuedJob } from '../../src/queue/job-store.js';
import type { JobCall, RetryPolicy } from '../../src/queue/worker.js';

/**
 * The SDK's types are its own copies (src/plugins/sdk-types.ts). Each must stay the type the core
 * passes to plugins: a drift fails the typecheck here (tsc, the first step of npm test).
 */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Check<T extends true> = T;

export type SdkTypesMatchTheCore = [
  Check<Same<Sdk.Finding, Finding>>,
  Check<Same<Sdk.CodedConcept, CodedConcept>>,
  Check<Same<Sdk.IncompleteSeries, IncompleteSeries>>,
  Check<Same<Sdk.Priority, Priority>>,
  Check<Same<Sdk.Role, Role>>,
  Check<Same<Sdk.MainTags, MainTags>>,
  Check<Same<Sdk.InstanceStoredEvent, InstanceStoredEvent>>,
  Check<Same<Sdk.SeriesStableEvent, SeriesStableEvent>>,
  Check<Same<Sdk.StableReason, StableReason>>,
  Check<Same<Sdk.DicomPeer, DicomPeer>>,
  Check<Same<Sdk.SendReport, SendReport>>,
  Check<Same<Sdk.JobState, JobState>>,
  Check<Same<Sdk.QueuedJob<{ n: number }>, QueuedJob<{ n: number }>>>,
  Check<Same<Sdk.RetryPolicy, RetryPolicy>>,
  Check<Same<Sdk.HookCall, JobCall>>,
];

/** The import specifiers of a source file (static, type-only, re-exports). */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(new URL(`../../src/plugins/${file}`, import.meta.url), 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map((m) => (m[1] ?? m[2])!).sort();
}

describe('plugins/sdk: the SDK exports its own types', () => {
  it('sdk-types.ts imports nothing', () => {
    expect(importsOf('sdk-types.ts')).to.deep.equal([]);
  });

  it('sdk.ts imports only its own types, the route guards, the hook vocabulary, zod and express types', () => {
    expect(importsOf('sdk.ts')).to.deep.equal(['./hooks.js', './hooks.js', './route-guards.js', './sdk-types.js', './sdk-types.js', 'express', 'zod']);
  });
});
