import { execFile, spawn } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a DCMTK tool with Nagle off (TCP_NODELAY=1, as scanners tuned for speed do). */
export function runDcmtk(tool: string, args: string[], timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(tool, args, { env: { ...process.env, TCP_NODELAY: '1' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** storescu to a Vigil node; `-v` so each response status is in the output. */
export function storescu(port: number, files: string[], opts: { calledAe?: string; callingAe?: string; extra?: string[] } = {}) {
  return runDcmtk('storescu', [
    '-v',
    '-aet',
    opts.callingAe ?? 'STORESCU',
    '-aec',
    opts.calledAe ?? 'VIGIL',
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

/** A storescu run watched as it goes: which files the SCP acknowledged, in order. */
export interface WatchedStorescu {
  /** Files whose C-STORE response was Success, so far. */
  acknowledged: string[];
  /** Resolves when storescu has exited (it fails when the peer goes away mid-association). */
  done: Promise<ToolResult>;
}

/**
 * storescu spawned rather than awaited, for crash tests: `onAcknowledged` is called after each
 * successful response with the count so far, so a test can kill the SCP at a chosen point.
 * storescu -v logs "Sending file: X" before each request and the response after it.
 */
export function storescuWatched(
  port: number,
  files: string[],
  opts: { calledAe?: string; callingAe?: string; extra?: string[]; onAcknowledged?: (count: number) => void } = {},
): WatchedStorescu {
  const args = ['-v', '-aet', opts.callingAe ?? 'STORESCU', '-aec', opts.calledAe ?? 'VIGIL', ...(opts.extra ?? []), '127.0.0.1', String(port), ...files];
  const child = spawn('storescu', args, { env: { ...process.env, TCP_NODELAY: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const acknowledged: string[] = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  let current: string | undefined;
  const onText = (text: string): void => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const sending = /Sending file: (.+)$/.exec(line);
      if (sending) current = sending[1]!.trim();
      else if (/Received Store Response \(Success\)/.test(line) && current) {
        acknowledged.push(current);
        current = undefined;
        opts.onAcknowledged?.(acknowledged.length);
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onText(d.toString());
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onText(d.toString());
  });
  const done = new Promise<ToolResult>((resolve) => child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  return { acknowledged, done };
}

/** findscu with its responses kept as files (-X) in `outDir`, read back by the caller; `-S` Study Root, `-P` Patient Root. */
export function findscu(port: number, keys: string[], outDir: string, opts: { model?: '-S' | '-P'; callingAe?: string } = {}) {
  return runDcmtk('findscu', [
    '-d', // debug: each response's DIMSE status, for finalStatus()
    opts.model ?? '-S',
    '-aet',
    opts.callingAe ?? 'FINDSCU',
    '-aec',
    'VIGIL',
    '-X',
    '-od',
    outDir,
    ...keys.flatMap((k) => ['-k', k]),
    '127.0.0.1',
    String(port),
  ]);
}

/** The last DIMSE status a DCMTK Q/R tool run with -d reported, as "0x0000". */
export function finalStatus(result: ToolResult): string | undefined {
  const text = result.stdout + result.stderr;
  const statuses = [...text.matchAll(/DIMSE Status\s*:\s*(0x[0-9a-fA-F]{4})/g)].map((m) => m[1]!.toLowerCase());
  return statuses.at(-1);
}
