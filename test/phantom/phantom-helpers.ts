import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/** SHA-256 over a folder's file names and contents, in name order. */
export function digest(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex');
}

/** dciodvfy writes its report to stderr (and exits non-zero on errors): both streams are the report. */
export function dciodvfyReport(tool: string, file: string): string {
  const r = spawnSync(tool, [file], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}
