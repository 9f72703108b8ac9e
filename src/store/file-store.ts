import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { VigilError } from '../core/errors.js';
import { isResourceId } from '../domain/resource-ids.js';
import type { TempFileWriter } from './temp-file-writer.js';
import { FreeSpace } from './free-space.js';
import { newOwner, ownerTag, type Owner } from './owner.js';

/**
 * The file store: one Part 10 file per instance under `store/ab/cd/<instance id>.dcm`, written
 * to `tmp/` first and renamed into place only once complete (then the file and its folder
 * fsynced, by default), so a file in `store/` is always whole.
 *
 * Several nodes may share the folder (config/cluster/README.md): temp file names carry their
 * writer (`<host>_<pid>_<nonce>_<counter>.part`, see owner.ts), so no two processes ever pick
 * the same name and a start-up check removes only what no live node is writing.
 */
export class FileStore {
  readonly root: string;
  readonly tmpDir: string;
  private readonly knownDirs = new Set<string>();
  /** The storage.minFreeMb floor, which every temp file writer asks before each write. */
  readonly space: FreeSpace;
  /** Who this store is in file names (temp files, the running marker). */
  readonly owner: Owner = newOwner();
  private tempCounter = 0;

  constructor(
    dataDir: string,
    private readonly opts: { fsync: boolean; minFreeMb: number },
  ) {
    this.root = path.join(dataDir, 'store');
    this.tmpDir = path.join(dataDir, 'tmp');
    this.space = new FreeSpace(this.root, opts.minFreeMb);
  }

  init(): void {
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  get fsyncEnabled(): boolean {
    return this.opts.fsync;
  }

  /** A temp file name no other process and no other call of this one uses (the writer opens it with O_EXCL too). */
  newTempPath(): string {
    return path.join(this.tmpDir, `${ownerTag(this.owner)}_${++this.tempCounter}.part`);
  }

  /** Relative path an instance's file takes in the store. */
  relativePathFor(instanceId: string): string {
    if (!isResourceId(instanceId)) throw new VigilError('INVALID_ID', 'not a resource id');
    return path.posix.join(instanceId.slice(0, 2), instanceId.slice(2, 4), `${instanceId}.dcm`);
  }

  /** Absolute path of a stored file; refuses anything that would leave the store. */
  absolutePath(relativePath: string): string {
    const full = path.resolve(this.root, relativePath);
    if (!full.startsWith(this.root + path.sep)) throw new VigilError('INVALID_ID', 'path leaves the store');
    return full;
  }

  /** Moves a complete received file into the store, durably when fsync is on (see moveTo). */
  async commit(writer: TempFileWriter, instanceId: string): Promise<{ relativePath: string }> {
    const { relativePath } = this.place(writer, instanceId);
    try {
      await writer.flush();
    } catch (err) {
      await fsp.rm(this.absolutePath(relativePath), { force: true }).catch(() => undefined);
      throw err;
    }
    return { relativePath };
  }

  /**
   * Renames a complete received file into the store without flushing it: the caller flushes it
   * (writer.flush, in a group commit) before anyone is told it is stored, and removes it if that
   * fails.
   */
  place(writer: TempFileWriter, instanceId: string): { relativePath: string } {
    const relativePath = this.relativePathFor(instanceId);
    const target = this.absolutePath(relativePath);
    const dir = path.dirname(target);
    if (!this.knownDirs.has(dir)) {
      const created = fs.mkdirSync(dir, { recursive: true }); // quick, and at most once per folder (see TempFileWriter)
      // A new folder's name is in its parent: durable before any file in it is acknowledged.
      if (created !== undefined && this.opts.fsync) fsyncNewFolders(created, dir);
      this.knownDirs.add(dir);
    }
    writer.renameTo(target);
    return { relativePath };
  }

  async remove(relativePath: string): Promise<void> {
    await fsp.rm(this.absolutePath(relativePath), { force: true });
    this.space.invalidate(); // the room it made counts from the next look at the disk
  }

  /** False when free space is below the configured floor (see FreeSpace). */
  hasFreeSpace(): boolean {
    return this.space.aboveFloor();
  }

  listTempFiles(): string[] {
    if (!fs.existsSync(this.tmpDir)) return [];
    return fs.readdirSync(this.tmpDir).map((name) => path.join(this.tmpDir, name));
  }

  /** Every file in the store, as relative paths (used only by the start-up check). */
  *walk(): Generator<string> {
    const stack = [''];
    while (stack.length > 0) {
      const rel = stack.pop()!;
      const entries = fs.readdirSync(path.join(this.root, rel), { withFileTypes: true });
      for (const entry of entries) {
        const childRel = rel ? path.posix.join(rel, entry.name) : entry.name;
        if (entry.isDirectory()) stack.push(childRel);
        else if (entry.isFile()) yield childRel;
      }
    }
  }
}

/**
 * mkdir made `firstCreated` and the folders below it down to `leaf`: each new name is made
 * durable in its parent (from the parent of `firstCreated` down to the parent of `leaf`; `leaf`
 * itself is fsynced with the file renamed into it). Synchronous, once per new folder (at most
 * 65,536 under store/, then never again).
 */
function fsyncNewFolders(firstCreated: string, leaf: string): void {
  const top = path.dirname(firstCreated);
  for (let dir = path.dirname(leaf); ; dir = path.dirname(dir)) {
    fsyncFolder(dir);
    if (dir === top || dir === path.dirname(dir)) break;
  }
}

/** Makes the names in a folder durable (a renamed or created entry). */
export function fsyncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
