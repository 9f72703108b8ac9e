// Faults for tests of the triage worker processes (test/triage/worker-*.test.ts). Loaded into a
// worker process only through NODE_OPTIONS="--import=<this file>", which a test sets for the
// processes it starts: the node's own code has no fault hook, and this file is not in the Docker
// image (.dockerignore leaves test/ out), so production cannot trigger it.
//
// VIGIL_TEST_WORKER_FAULTS names a folder; a file `<model id>.<fault>` there arms a fault for the
// next run-job of that model:
//   abort-once / abort-always   process.abort() (SIGABRT, as a native crash in ORT would end it)
//   hang-once                   blocks the process forever (a run stuck in native code)
//   heap-once                   fills the JS heap until V8 gives up
// Before it acts the worker writes `<model id>.<aborted|hung|heap>` with its pid. *-once files
// are removed first, so the retry on a fresh process runs normally.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.VIGIL_TEST_WORKER_FAULTS;
if (dir && process.send) {
  process.on('message', (request) => {
    if (request?.kind !== 'run-job') return;
    const id = request.pack.manifest.id;
    const armed = (fault) => {
      const file = path.join(dir, `${id}.${fault}`);
      if (!fs.existsSync(file)) return false;
      if (fault.endsWith('-once')) fs.rmSync(file);
      return true;
    };
    const mark = (what) => fs.writeFileSync(path.join(dir, `${id}.${what}`), String(process.pid));
    if (armed('abort-once') || armed('abort-always')) {
      mark('aborted');
      process.abort();
    }
    if (armed('hang-once')) {
      mark('hung');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    if (armed('heap-once')) {
      mark('heap');
      const hoard = [];
      for (;;) hoard.push(new Array(1 << 16).fill({ hoarded: hoard.length }));
    }
  });
}
