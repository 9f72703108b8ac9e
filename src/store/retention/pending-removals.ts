import fs from 'node:fs';
import type { Db } from '../../db/database.js';
import type { FileStore } from '../file-store.js';

/**
 * Files whose index rows retention has removed, until the files are gone too. The rows and this
 * list change in one transaction; the files go after the commit. So a stop at any point leaves
 * no index row without its file, and no file the next start would index again (it finishes this
 * list first).
 */
export class PendingRemovals {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      add: db.prepare('INSERT INTO retention_pending_files (file_path, queued_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      done: db.prepare('DELETE FROM retention_pending_files WHERE file_path = ?'),
      all: db.prepare<[], { file_path: string }>('SELECT file_path FROM retention_pending_files ORDER BY queued_at'),
      indexed: db.prepare<[string], { id: string }>('SELECT id FROM instances WHERE file_path = ?'),
    };
  }

  /** Lists a file for removal; call inside the transaction that removes its row. */
  add(relativePath: string, at: number): void {
    this.stmts.add.run(relativePath, at);
  }

  /**
   * Removes the file, then its entry. A file indexed again since (the same instance sent again
   * after its row went) is kept: it is a new instance now. Synchronous, so that no C-STORE can
   * index a file between the check and the removal. Throws when the file cannot be removed: the
   * entry stays for the next try.
   */
  removeNow(files: FileStore, relativePath: string): void {
    if (!this.stmts.indexed.get(relativePath)) fs.rmSync(files.absolutePath(relativePath), { force: true });
    this.stmts.done.run(relativePath);
  }

  /** Finishes every listed removal (at start, before the start-up check looks for files without rows). */
  finish(files: FileStore): { removed: number; failed: number } {
    let removed = 0;
    let failed = 0;
    for (const { file_path: relativePath } of this.stmts.all.all()) {
      try {
        this.removeNow(files, relativePath);
        removed++;
      } catch {
        failed++;
      }
    }
    if (removed > 0) files.space.invalidate();
    return { removed, failed };
  }
}
