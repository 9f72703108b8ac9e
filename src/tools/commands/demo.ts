import { type Command, InvalidArgumentError, Option } from 'commander';
import { runDemo } from '../demo/run-demo.js';
import { httpBaseUrl, reachableHost } from '../../config/local-addresses.js';
import type { LoadedConfig } from '../../config/load.js';

const HELP_AFTER = `
What it does, against a node you started (npm start):
  1. starts a stand-in RIS (HL7 v2 over MLLP), EHR (FHIR R4) and PACS (DICOM C-STORE, for
     the SR and key-image objects) on 127.0.0.1, which acknowledge and print what they
     receive (patient fields masked);
  2. registers them as alert destinations demo-ris-hl7, demo-ehr-fhir and demo-pacs-dicom
     (POST or PUT /alerts/destinations: running the demo again replaces them, never adds
     more; they are switched off when the demo ends);
  3. generates synthetic studies with new UIDs: head CT with and without hemorrhage, CTPA
     with and without embolism, chest radiographs with (sent JPEG-LS compressed) and without
     pneumothorax, and an MR series that no rule routes;
  4. sends them over DICOM C-STORE, as a scanner would (the radiographs with MPPS, as a
     DX room reports its steps), and shows each study's stages: received, complete, routed,
     inferred, alerted;
  5. prints the worklist: the positive studies should be on top.

Exit status 0 when every study reached its expected end state; 1 otherwise (a model missing
from the node, a wrong finding, a failed job or delivery, or --timeout reached).
The models are demonstrators trained on synthetic phantoms: not for clinical use.

Where the node is: --http, --dicom and --called-ae, else the node's own configuration
(config/vigil.yaml or VIGIL_CONFIG, with VIGIL_HTTP_PORT, VIGIL_DICOM_PORT, VIGIL_AE_TITLE...),
so the same environment as npm start finds it.

Example:
  VIGIL_ADMIN_TOKEN=... npm start          # in one terminal (the first start seeds the token)
  VIGIL_ADMIN_TOKEN=... npm run demo       # in another
`;

/**
 * `vigil demo`: the whole path of a study, against a running node, with stand-in RIS, EHR and PACS.
 * `loadConfigOrExit` is the CLI's (src/cli/load-config.ts), passed in: the CLI loads the tools, not
 * the other way round.
 */
export function registerDemo(program: Command, loadConfigOrExit: () => LoadedConfig): void {
  program
    .command('demo')
    .description('send synthetic studies to a running node and follow them to alerts and the worklist')
    // No fixed defaults: the node's own config (config/vigil.yaml or VIGIL_CONFIG, and the same
    // VIGIL_HTTP_PORT, VIGIL_DICOM_PORT... overrides), so the demo finds the node `npm start` runs.
    .addOption(new Option('--http <url>', "the node's HTTP API").argParser(httpUrl).default(undefined, "from the node's config: http://127.0.0.1:8042"))
    .addOption(new Option('--dicom <host:port>', "the node's DICOM listener").argParser(hostPort).default(undefined, "from the node's config: 127.0.0.1:11112"))
    .addOption(new Option('--called-ae <title>', "the node's AE title").argParser(aeTitle).default(undefined, "from the node's config: VIGIL"))
    .option('--calling-ae <title>', 'the AE title the demo sends as', aeTitle, 'VIGIL_DEMO')
    .option('--token <token>', 'an admin API token (default: env VIGIL_ADMIN_TOKEN)')
    .option('--timeout <seconds>', 'give up when the studies have not all reached their end state by then', seconds, 300)
    .addHelpText('after', HELP_AFTER)
    .action(async (o: { http?: string; dicom?: { host: string; port: number }; calledAe?: string; callingAe: string; token?: string; timeout: number }) => {
      const token = o.token ?? process.env.VIGIL_ADMIN_TOKEN;
      if (!token) throw new Error('an admin token is needed: pass --token or set VIGIL_ADMIN_TOKEN (the token the node was first started with)');
      const { config } = loadConfigOrExit();
      const result = await runDemo({
        httpUrl: o.http ?? httpBaseUrl(config.http, config.http.port),
        dicom: o.dicom ?? { host: reachableHost(config.dicom.host), port: config.dicom.port },
        calledAe: o.calledAe ?? config.dicom.aeTitle,
        callingAe: o.callingAe,
        token,
        timeoutMs: o.timeout * 1000,
        out: process.stdout,
      });
      if (!result.ok) {
        process.stderr.write(`vigil demo: not every study reached its end state:\n${result.failures.map((f) => `  - ${f}\n`).join('')}`);
        process.exitCode = 1;
      }
    });
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected a URL such as http://127.0.0.1:8042');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('expected an http:// or https:// URL');
  return value;
}

function hostPort(value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError('expected host:port, e.g. 127.0.0.1:11112');
  return { host: m[1]!, port };
}

function aeTitle(value: string): string {
  if (!/^[\x20-\x7e]{1,16}$/.test(value) || value.includes('\\') || value.trim() === '') {
    throw new InvalidArgumentError('an AE title is 1 to 16 printable characters, no backslash');
  }
  return value.trim();
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds above 0');
  return n;
}
