import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { makeTempDir, removeDir } from './tmp.js';

/** A size-limited tmpfs mounted on a temp folder: a disk that really fills (ENOSPC) in a test. */
export interface SmallDisk {
  dir: string;
  /** Free bytes as an unprivileged writer sees them (statfs bavail). */
  freeBytes(): number;
  /** Fills the disk with one file until nothing more fits (ENOSPC), minus `leaveBytes`. */
  fill(leaveBytes?: number): void;
  /** Removes what fill() wrote. */
  unfill(): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeMb` MB. Needs root (CI runs as root on the same kind of machine);
 * elsewhere the test is skipped with the reason, and with CI=true it fails, as requireTool does.
 */
export function mountSmallDisk(ctx: Mocha.Context, sizeMb: number): SmallDisk {
  try {
    return mountTmpfs(sizeMb);
  } catch (err) {
    const why = (err as Error).message;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`, { cause: err });
    console.log(`      skipped: ${why}`);
    ctx.skip();
  }
}

/** The same outside mocha (benchmarks): throws, saying why, when the tmpfs cannot be mounted. */
export function mountTmpfs(sizeMb: number): SmallDisk {
  const dir = makeTempDir('vigil-small-disk-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    removeDir(dir);
    throw new Error(`a ${sizeMb} MB tmpfs could not be mounted (needs root and mount permission): ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const filler = `${dir}/filler.bin`;
  return {
    dir,
    freeBytes() {
      const s = fs.statfsSync(dir);
      return s.bavail * s.bsize;
    },
    fill(leaveBytes = 0) {
      const fd = fs.openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) {
          const room = this.freeBytes() - leaveBytes;
          if (room <= 0) break;
          fs.writeSync(fd, chunk, 0, Math.min(chunk.length, room));
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        fs.closeSync(fd);
      }
    },
    unfill() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      removeDir(dir);
    },
  };
}
