import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createLogger } from '../../src/log/logger.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { freePort } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const START_SCRIPT: string = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts.start;

describe('log format: text for a terminal, JSON lines otherwise', function () {
  this.timeout(90_000);
  let work: string;
  beforeEach(() => (work = makeTempDir()));
  afterEach(() => removeDir(work));

  it('auto writes text when stdout is a terminal and JSON when it is not; its log file stays JSON', () => {
    const lines = (terminal: boolean, file?: string) => {
      const capture = new CaptureTransport();
      const log = createLogger({ level: 'info', format: 'auto', file }, work, { console: false, transports: [capture], stdoutIsTerminal: terminal });
      log.child({ component: 'dicom' }).info('association accepted', { callingAeTitle: 'CT1' });
      return { capture, log };
    };
    expect(() => JSON.parse(lines(false).capture.lines[0]!)).to.not.throw();
    const { capture, log } = lines(true, 'vigil.log');
    expect(capture.lines[0]).to.match(/^\S+ info {2}\[dicom\] association accepted \{"callingAeTitle":"CT1"\}$/);
    return new Promise<void>((resolve) => {
      log.on('finish', () => {
        const written = fs.readFileSync(path.join(work, 'vigil.log'), 'utf8').trim();
        expect(JSON.parse(written)).to.include({ message: 'association accepted', component: 'dicom', callingAeTitle: 'CT1' });
        resolve();
      });
      log.end();
    });
  });

  it('npm start on a terminal, first start without a token: text lines, where to open the page, and that no token exists', async function () {
    requireTool(this, 'script', 'bsdutils');
    const [dicomPort, httpPort] = [await freePort(), await freePort()];
    const configFile = path.join(work, 'vigil.yaml');
    fs.writeFileSync(configFile, 'plugins:\n  enabled: []\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VIGIL_CONFIG: configFile,
      VIGIL_DATA_DIR: path.join(work, 'data'),
      VIGIL_DICOM_HOST: '127.0.0.1',
      VIGIL_HTTP_HOST: '127.0.0.1',
      VIGIL_DICOM_PORT: String(dicomPort),
      VIGIL_HTTP_PORT: String(httpPort),
      VIGIL_LOG_FORMAT: '',
      VIGIL_ADMIN_TOKEN: '',
    };
    // util-linux's script runs the start script on a pseudo-terminal, as a person's shell would.
    const child = spawn('script', ['-qfec', START_SCRIPT, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      while (!/Vigil ready/.test(out) || !/open http/.test(out)) {
        if (child.exitCode !== null) throw new Error(`the node ended: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const lines = out.split(/\r?\n/).filter(Boolean);
    expect(
      lines.filter((l) => l.startsWith('{')),
      'no JSON line',
    ).to.deep.equal([]);
    expect(out).to.match(/ warn {2}no live API token: .*Set VIGIL_ADMIN_TOKEN.*vigil token create/);
    expect(out).to.include(` info  open http://127.0.0.1:${httpPort}/ for the worklist`);
  });
});
