/**
 * What the folder's fsync after each rename into the store costs (config/cluster/README.md: POSIX,
 * and so NFS, makes a renamed name durable only with it). The store's own TempFileWriter writes
 * FILES files of SIZE bytes into store/ab/cd folders, CONCURRENCY at a time, as a push over
 * several associations would: once as the store does now (write, rename, fsync the file, fsync
 * its folder), once without the folder's fsync (as before). Both with the folders made
 * beforehand, so only the per-file cost is compared. Run where the data folder will live: the
 * figure is the filesystem's.
 *
 *   npx tsx test/bench/folder-fsync.ts        (FILES=400 SIZE=525000 CONCURRENCY=4 DIR=os.tmpdir())
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TempFileWriter } from '../../src/store/temp-file-writer.js';

const FILES = Number(process.env.FILES ?? 400);
const SIZE = Number(process.env.SIZE ?? 525_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const work = fs.mkdtempSync(path.join(process.env.DIR ?? os.tmpdir(), 'vigil-bench-fsync-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

const body = crypto.randomBytes(SIZE);

/** The store's folder of the i-th file: 256 × 256 folders, as instance ids spread. */
function folderOf(round: string, i: number): string {
  const h = crypto.createHash('sha1').update(`${round}/${i}`).digest('hex');
  return path.join(work, round, 'store', h.slice(0, 2), h.slice(2, 4));
}

async function run(round: string, withFolder: boolean): Promise<number[]> {
  const tmp = path.join(work, round, 'tmp');
  fs.mkdirSync(tmp, { recursive: true });
  for (let i = 0; i < FILES; i++) fs.mkdirSync(folderOf(round, i), { recursive: true });
  const times: number[] = [];
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const started = process.hrtime.bigint();
    const writer = new TempFileWriter(path.join(tmp, `${i}.part`), Buffer.alloc(0), true);
    writer.write(body);
    writer.end();
    await writer.settled();
    const target = path.join(folderOf(round, i), `${i}.dcm`);
    if (withFolder) await writer.moveTo(target);
    else {
      // As before: rename, then fsync the file only (the writer's flush without a target does that).
      fs.renameSync(writer.path, target);
      await writer.flush();
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  };
  const lanes = Array.from({ length: CONCURRENCY }, async () => {
    while (next < FILES) await one(next++);
  });
  const started = Date.now();
  await Promise.all(lanes);
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `  ${withFolder ? 'file + folder fsync' : 'file fsync only    '}: ${(FILES / seconds).toFixed(0)} files/s, per file p50 ${pct(times, 0.5)} ms, p95 ${pct(times, 0.95)} ms`,
  );
  return times;
}

function pct(values: number[], q: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
}

console.log(`folder fsync: ${FILES} files of ${SIZE} bytes, ${CONCURRENCY} at a time, in ${work} (load ${os.loadavg()[0]!.toFixed(1)})`);
// Twice each, alternating, so a warming disk cache or a neighbour's burst does not favour one.
for (const pass of [1, 2]) {
  await run(`before-${pass}`, false);
  await run(`after-${pass}`, true);
}
