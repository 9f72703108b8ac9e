import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { VigilError } from '../errors.js';
import { isResourceId } from './resource-ids.js';
import type { TempFileWriter } from './temp-file-writer.js';

const FREE_SPACE_CHECK_MS = 2000;

/**
 * The file store: one Part 10 file per instance under `store/ab/cd/<instance id>.dcm`, written
 * to `tmp/` first and renamed into place only once complete (then fsynced, by default), so a
 * file in `store/` is always whole.
 */
export class FileStore {
  readonly root: string;
  readonly tmpDir: string;
  private readonly knownDirs = new Set<string>();
  private freeSpace = { checkedAt: 0, ok: true };

  constructor(
    dataDir: string,
    private readonly opts: { fsync: boolean; minFreeMb: number },
  ) {
    this.root = path.join(dataDir, 'store');
    this.tmpDir = path.join(dataDir, 'tmp');
  }

  init(): void {
    fs.mkdirSync(this.root, { recursive: true });
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  get fsyncEnabled(): boolean {
    return this.opts.fsync;
  }

  newTempPath(): string {
    return path.join(this.tmpDir, `${crypto.randomUUID()}.part`);
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
    const relativePath = this.relativePathFor(instanceId);
    const target = this.absolutePath(relativePath);
    const dir = path.dirname(target);
    if (!this.knownDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true }); // quick, and at most once per folder (see TempFileWriter)
      this.knownDirs.add(dir);
    }
    try {
      await writer.moveTo(target);
    } catch (err) {
      await fsp.rm(target, { force: true }).catch(() => undefined);
      throw err;
    }
    return { relativePath };
  }

  async remove(relativePath: string): Promise<void> {
    await fsp.rm(this.absolutePath(relativePath), { force: true });
  }

  /** False when free space is below the configured floor (checked at most every 2 s). */
  hasFreeSpace(): boolean {
    const now = Date.now();
    if (now - this.freeSpace.checkedAt < FREE_SPACE_CHECK_MS) return this.freeSpace.ok;
    let ok = true;
    try {
      const s = fs.statfsSync(this.root);
      ok = (s.bavail * s.bsize) / (1024 * 1024) >= this.opts.minFreeMb;
    } catch {
      ok = true; // statfs unsupported: rely on write errors (ENOSPC) instead
    }
    this.freeSpace = { checkedAt: now, ok };
    return ok;
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
