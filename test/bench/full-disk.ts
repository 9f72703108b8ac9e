/**
 * Full-disk benchmark: what the node costs while its disk is full, and how it stops. The node
 * runs as `npm start` runs it (a child process) on a 40 MB tmpfs (needs root); it receives a
 * series over DICOM (storescu), the disk is filled to the last byte while the series' idle
 * window is still open, and for SECONDS the node's CPU time (/proc) and its log lines are
 * counted. Then SIGTERM: its exit status, and whether the stop failed.
 *
 *   npx tsx test/bench/full-disk.ts        (SECONDS=10)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { mountTmpfs } from '../helpers/small-disk.js';

const SECONDS = Number(process.env.SECONDS ?? 10);
const TICKS = 100; // USER_HZ, as /proc/<pid>/stat counts

const disk = mountTmpfs(40);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-full-disk-'));
const configFile = path.join(work, 'vigil.yaml');
fs.writeFileSync(
  configFile,
  `storage:\n  minFreeMb: 0\nplugins:\n  enabled: []\ntriage:\n  modelsDir: ${JSON.stringify(path.join(work, 'models'))}\nseries:\n  idleSeconds: 2\n  useCounts: false\n`,
);
const node = await startNodeProcess(path.join(disk.dir, 'data'), { VIGIL_CONFIG: configFile });
try {
  const files = writeSeries(path.join(work, 'series'), { slices: 4, rows: 256, columns: 256 });
  const stored = storeResponses(await storescu(node.dicomPort, files)).success;
  disk.fill();
  await node.waitForOutput(/series tracker failed/);
  const cpu = (): number => {
    const fields = fs.readFileSync(`/proc/${node.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime, seconds
  };
  const lines = (): number => node.output().split('\n').length;
  const [cpu0, lines0] = [cpu(), lines()];
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const [cpu1, lines1] = [cpu(), lines()];
  node.child.kill('SIGTERM');
  const code = await node.exited;
  console.log(`stored before the disk filled: ${stored} instances`);
  console.log(
    `disk full for ${SECONDS} s: CPU ${(((cpu1 - cpu0) / SECONDS) * 100).toFixed(1)} % of one core, ${((lines1 - lines0) / SECONDS).toFixed(1)} log lines/s`,
  );
  console.log(`SIGTERM: exit ${code}${/the stop failed/.test(node.output()) ? ', "the stop failed" logged' : ', stopped cleanly'}`);
} finally {
  if (node.child.exitCode === null) node.child.kill('SIGKILL');
  disk.unmount();
  fs.rmSync(work, { recursive: true, force: true });
}
