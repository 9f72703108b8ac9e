import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { VigilNode } from '../../src/node.js';
import type { Job } from '../../src/triage/jobs.js';
import { storescu, storeResponses } from './dcmtk.js';
import { uidFor } from './dicom-fixtures.js';

/** The tiny packs built by test/fixtures/triage/build-packs.py. */
export const TEST_PACKS = path.resolve('test/fixtures/triage/packs');

/** A models folder with copies of the test packs, for tests that break one. */
export function copyPacks(dir: string, ids = ['test-volume', 'test-fragile', 'test-radiograph']): string {
  for (const id of ids) fs.cpSync(path.join(TEST_PACKS, id), path.join(dir, id), { recursive: true });
  return dir;
}

/**
 * A models folder holding the test volume pack as model `id` 1.0.0, its manifest declaring
 * `finding.scope` (what the worklist shows beside each result of that model).
 */
export function scopedPack(dir: string, id: string, scope: string): string {
  const models = copyPacks(dir, ['test-volume']);
  if (id !== 'test-volume') fs.renameSync(path.join(models, 'test-volume'), path.join(models, id));
  const file = path.join(models, id, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...manifest, id, version: '1.0.0', finding: { ...manifest.finding, scope } }));
  return models;
}

/** Sends files with DCMTK's storescu and returns the id of their series (seeded with `seed`). */
export async function ingest(node: VigilNode, files: string[], seed: string): Promise<string> {
  const result = await storescu(node.dicom.port, files);
  expect(storeResponses(result), result.stderr).to.deep.equal({ success: files.length, failed: 0 });
  return seriesIdOf(node, seed);
}

export function seriesIdOf(node: VigilNode, seed: string): string {
  const uid = uidFor(`${seed}/series`);
  const id = node.index.listIds('series', 0, 1000).find((s) => node.index.getResource('series', s)?.mainTags.SeriesInstanceUID === uid);
  if (!id) throw new Error(`series ${seed} is not in the index`);
  return id;
}

const SETTLED = new Set(['done', 'failed', 'dead', 'cancelled']);

/** Waits until a job reaches a final state (the job's own bounds end it; this only polls). */
export async function settled(node: VigilNode, jobId: string): Promise<Job> {
  for (;;) {
    const job = node.triage.jobs.get(jobId)!;
    if (SETTLED.has(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
