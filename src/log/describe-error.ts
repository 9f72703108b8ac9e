import { isVigilError, systemErrorCode } from '../core/errors.js';

/**
 * What a log line (or a stored failure reason) may say about an error without risking patient
 * data:
 * - a VigilError: its code and detail, which Vigil writes without patient data;
 * - a Node system error (it has a syscall): its message, an OS error on a path Vigil chose;
 * - any other error with a string code (SQLite's SQLITE_*, Node's ERR_*): its class and code;
 * - anything else: its class and where it was thrown (a function and a line, to find a bug by).
 *   A library's message (dcmjs reading a header, a plugin's own text) may quote the values it
 *   choked on, so it is withheld.
 */
export function describeError(err: unknown): string {
  if (isVigilError(err)) return `${err.code}: ${err.message}`;
  if (!(err instanceof Error)) return `a thrown ${err === null ? 'null' : typeof err} (value withheld)`;
  const code = systemErrorCode(err);
  if (code !== undefined && typeof (err as { syscall?: unknown }).syscall === 'string') return err.message;
  const where = thrownAt(err.stack);
  return `${err.name}${code === undefined ? '' : ` ${code}`}${where ? ` at ${where}` : ''} (message withheld: it may quote patient data)`;
}

/** The first stack frame, made relative to the working folder: code, never data. */
function thrownAt(stack: string | undefined): string | undefined {
  const frame = stack?.split('\n').find((line) => /^\s+at /.test(line));
  if (!frame) return undefined;
  return frame
    .trim()
    .slice(3)
    .replace(/file:\/\//g, '')
    .split(`${process.cwd()}/`)
    .join('');
}
