import { execFile } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a DCMTK tool with Nagle off (TCP_NODELAY=1, as scanners tuned for speed do). */
export function runDcmtk(tool: string, args: string[], timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      tool,
      args,
      { env: { ...process.env, TCP_NODELAY: '1' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** storescu to a Vigil node; `-v` so each response status is in the output. */
export function storescu(port: number, files: string[], opts: { calledAe?: string; callingAe?: string; extra?: string[] } = {}) {
  return runDcmtk('storescu', [
    '-v',
    '-aet', opts.callingAe ?? 'STORESCU',
    '-aec', opts.calledAe ?? 'VIGIL',
    ...(opts.extra ?? []),
    '127.0.0.1',
    String(port),
    ...files,
  ]);
}

export function echoscu(port: number, opts: { calledAe?: string; callingAe?: string } = {}) {
  return runDcmtk('echoscu', ['-v', '-aet', opts.callingAe ?? 'ECHOSCU', '-aec', opts.calledAe ?? 'VIGIL', '127.0.0.1', String(port)]);
}

/** Counts the C-STORE responses storescu received, by status text. */
export function storeResponses(result: ToolResult): { success: number; failed: number } {
  const text = result.stdout + result.stderr;
  const success = (text.match(/Received Store Response \(Success\)/g) ?? []).length;
  const all = (text.match(/Received Store Response/g) ?? []).length;
  return { success, failed: all - success };
}
