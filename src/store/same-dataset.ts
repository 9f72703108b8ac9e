import fs from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Whether two Part 10 files hold the same data set, byte for byte, from the given offsets (the
 * file meta groups differ with the sender's AE title and are left out). Asked only when an
 * instance arrives that the store already holds, so a re-send costs a read, never a new file.
 */
export async function sameDataset(a: { path: string; dataStart: number }, b: { path: string; dataStart: number }): Promise<boolean> {
  const [fa, fb] = await Promise.all([fs.open(a.path, 'r'), fs.open(b.path, 'r')]);
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()]);
    const length = sa.size - a.dataStart;
    if (length !== sb.size - b.dataStart) return false;
    const ba = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, length));
    const bb = Buffer.allocUnsafe(ba.length);
    for (let at = 0; at < length; at += ba.length) {
      const n = Math.min(ba.length, length - at);
      const [ra, rb] = await Promise.all([fa.read(ba, 0, n, a.dataStart + at), fb.read(bb, 0, n, b.dataStart + at)]);
      if (ra.bytesRead !== n || rb.bytesRead !== n || !ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** Where the data set of a Part 10 file starts: after the preamble, DICM and the file meta group (its length is its first element). */
export async function part10DataStart(path: string): Promise<number> {
  const handle = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(144);
    await handle.read(head, 0, 144, 0);
    return 144 + head.readUInt32LE(140);
  } finally {
    await handle.close();
  }
}
