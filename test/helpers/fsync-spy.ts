import fs from 'node:fs';

/**
 * Counts fs.fsync calls while `run` runs. The store calls fsync through the fs object, so the
 * count is what reached the disk flush, whichever part of the node asked for it.
 */
export async function countFsyncs(run: () => Promise<void>): Promise<number> {
  const original = fs.fsync;
  let calls = 0;
  fs.fsync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    calls++;
    original(fd, callback);
  }) as typeof fs.fsync;
  try {
    await run();
  } finally {
    fs.fsync = original;
  }
  return calls;
}
