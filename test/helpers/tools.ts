import { execFileSync } from 'node:child_process';

/**
 * Tests that need a Debian tool (DCMTK, dicom3tools...) call this first. Locally a missing tool
 * skips the test and says why; with CI=true it fails, because CI installs every tool it needs.
 */
export function requireTool(ctx: Mocha.Context, tool: string, debianPackage: string): string {
  const found = which(tool);
  if (found) return found;
  const why = `${tool} not found: install the Debian package "${debianPackage}" (apt-get install -y ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

export function which(tool: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
