import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { MR_CASE } from '../../src/tools/demo/demo-set.js';
import {
  DEMO_FHIR_DESTINATION,
  DEMO_HL7_DESTINATION,
  DEMO_PACS_DESTINATION,
  registerDestinations,
  demoDestinations,
} from '../../src/tools/demo/destinations.js';
import { NodeApi } from '../../src/tools/demo/node-api.js';
import { runDemo } from '../../src/tools/demo/run-demo.js';
import { isVigilError } from '../../src/core/errors.js';
import { freePort } from '../helpers/node-process.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';

/**
 * The demo against a real node in this process (real DICOM and HTTP ports). The node has no
 * model pack here, so the demo leaves the phantoms out and says so: what is left is the MR
 * series, which must still be received, completed and routed to no model, and the exit status
 * must say the run was not complete. The full set runs in test/e2e/hospital.test.ts.
 */
describe('demo: vigil demo against a running node', function () {
  this.timeout(60_000);
  let node: TestNode;
  let token: string;
  const run = async (overrides: Partial<Parameters<typeof runDemo>[0]> = {}) => {
    let text = '';
    const result = await runDemo({
      httpUrl: `http://127.0.0.1:${node.http.port}`,
      dicom: { host: '127.0.0.1', port: node.dicom.port },
      calledAe: node.config.dicom.aeTitle,
      callingAe: 'VIGIL_DEMO',
      token,
      timeoutMs: 30_000,
      pollMs: 100,
      out: { write: (t: string) => void (text += t) },
      ...overrides,
    });
    return { result, text };
  };

  before(async () => {
    node = await startTestNode({ plugins: { enabled: ['stroke', 'pe', 'pneumothorax'] } });
    token = await node.tokenFor('admin');
  });
  after(() => node?.dispose());

  it('follows the MR series to "no rule", names the missing packs, and exits not ok because of them', async () => {
    const { result, text } = await run();
    expect(text).to.match(/✓ MR brain \(no rule\)\s+received 12\/12 → complete \(counts\) → routed no rule/);
    expect(text).to.include('Worklist (GET /worklist');
    expect(result.ok).to.equal(false);
    expect(result.failures).to.deep.equal(['stroke-ich', 'pe-ctpa', 'pneumothorax-cxr'].map((id) => `model ${id} not available: its studies were not run`));
    // The synthetic patient goes by the study's label, never by name or id.
    expect(text).to.not.match(/SYNTHETIC|SYN-MR|PHANTOM MR/);
    expect(text).to.include(MR_CASE.label);
  });

  it('runs again without a second copy of its destinations, and leaves them switched off', async () => {
    await run();
    const api = new NodeApi(`http://127.0.0.1:${node.http.port}`, token);
    const listed = await api.get<{ id: string; enabled: boolean; source: string }[]>('/alerts/destinations');
    expect(listed.map((d) => [d.id, d.enabled, d.source])).to.have.deep.members([
      [DEMO_FHIR_DESTINATION, false, 'api'],
      [DEMO_HL7_DESTINATION, false, 'api'],
      [DEMO_PACS_DESTINATION, false, 'api'],
    ]);
    expect(listed).to.have.length(3);
  });

  it('says what to do when the token is wrong or no node listens', async () => {
    const wrongToken = await run({ token: 'not-a-token' }).catch((e: unknown) => e);
    expect(isVigilError(wrongToken, 'DEMO_API_REFUSED')).to.equal(true);
    expect((wrongToken as Error).message).to.match(/refused the token \(401\).*--token or VIGIL_ADMIN_TOKEN/);
    const nobody = await run({ httpUrl: `http://127.0.0.1:${await freePort()}` }).catch((e: unknown) => e);
    expect(isVigilError(nobody, 'DEMO_NODE_UNREACHABLE')).to.equal(true);
    expect((nobody as Error).message).to.match(/no Vigil node answers at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    // No DICOM listener: said at the first study, not after the whole --timeout.
    const noDicom = await run({ dicom: { host: '127.0.0.1', port: await freePort() }, timeoutMs: 600_000 }).catch((e: unknown) => e);
    expect(isVigilError(noDicom, 'DEMO_NODE_UNREACHABLE')).to.equal(true);
    expect((noDicom as Error).message).to.include('check --dicom and --called-ae');
  });

  it('as `npm run demo`, finds the node from the same environment as `npm start` (VIGIL_HTTP_PORT, VIGIL_DICOM_PORT)', async () => {
    const cli = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['src/cli/vigil.mjs', 'demo', '--token', 'not-a-token'], {
        env: {
          ...process.env,
          VIGIL_CONFIG: '',
          VIGIL_HTTP_HOST: '127.0.0.1',
          VIGIL_HTTP_PORT: String(node.http.port),
          VIGIL_DICOM_PORT: String(node.dicom.port),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(cli.code).to.equal(1);
    // It reached this node (which refused the made-up token), not the default port 8042.
    expect(cli.stderr).to.match(new RegExp(`refused the token \\(401\\)`));
    expect(cli.stderr).to.not.include('no Vigil node answers');
  });

  it('refuses to replace a destination of the same id that the config file defines', async () => {
    const other = await startTestNode({ alerts: { destinations: [{ id: DEMO_HL7_DESTINATION, type: 'hl7v2', host: '127.0.0.1', port: 2575 }] } });
    try {
      const api = new NodeApi(`http://127.0.0.1:${other.http.port}`, await other.tokenFor('admin'));
      const err = await registerDestinations(
        api,
        demoDestinations({ host: '127.0.0.1', hl7: { port: 1 }, fhir: { baseUrl: 'http://127.0.0.1:1/fhir' }, pacs: { port: 1, aeTitle: 'PACS' } }),
      ).catch((e: unknown) => e);
      expect(isVigilError(err, 'DEMO_API_REFUSED')).to.equal(true);
      expect((err as Error).message).to.include("defined in the node's config file");
    } finally {
      await other.dispose();
    }
  });
});
