import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { apiAs } from '../helpers/api.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { runDcmtk, storeResponses, storescu } from '../helpers/dcmtk.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { freePort } from '../helpers/storescp.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const TLS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tls');
const CERT = path.join(TLS_DIR, 'peer-cert.pem');
const KEY = path.join(TLS_DIR, 'peer-key.pem');
/** DCMTK's client side of DICOM over TLS: no certificate of its own, ours trusted. */
const ANONYMOUS_TLS = ['+tla', '+cf', CERT];

describe('dicom/tls: a listener for DICOM over TLS (DCMTK storescu and echoscu as the scanner)', function () {
  this.timeout(60_000);
  let node: TestNode;
  let work: string;

  before(function () {
    requireTool(this, 'storescu', 'dcmtk');
  });
  afterEach(async () => {
    await node?.dispose();
    if (work) removeDir(work);
  });

  it('takes C-ECHO and C-STORE over TLS beside the plain port, and refuses plain DICOM on the TLS port', async () => {
    node = await startTestNode({ dicom: { tls: { port: 0, certFile: CERT, keyFile: KEY } } });
    const tlsPort = node.dicom.tlsPort!;
    expect(tlsPort).to.be.above(0).and.not.equal(node.dicom.port);
    work = makeTempDir();
    const files = writeSeries(path.join(work, 'ct'), { seed: 'tls', slices: 3 });

    const echo = await runDcmtk('echoscu', ['-v', ...ANONYMOUS_TLS, '-aec', 'VIGIL', '127.0.0.1', String(tlsPort)]);
    expect(echo.code, echo.stderr).to.equal(0);
    const stored = await storescu(tlsPort, files, { extra: ANONYMOUS_TLS });
    expect(storeResponses(stored), stored.stderr).to.deep.equal({ success: 3, failed: 0 });
    const instances = (await (await apiAs(node, 'radiologist')).get('/instances').expect(200)).body as string[];
    expect(instances).to.have.length(3);
    expect(node.dicom.listening, 'both listeners up').to.equal(true);
    expect((await (await apiAs(node, 'it')).get('/system').expect(200)).body).to.include({ DicomTlsPort: 0 });

    const plain = await storescu(tlsPort, files.slice(0, 1), { extra: ['-to', '5'] });
    expect(plain.code, 'plain DICOM to the TLS port').to.not.equal(0);
    expect(node.logs.text()).to.include('DICOM TLS handshake failed');
  });

  it('closes a connection that never starts its TLS handshake, bounded like the wait for an association (timeouts.associationMs)', async () => {
    node = await startTestNode({ dicom: { tls: { port: 0, certFile: CERT, keyFile: KEY }, timeouts: { associationMs: 1000 } } });
    // Node's own bound is 120 s, past this test's timeout: the close comes from associationMs.
    const socket = net.connect(node.dicom.tlsPort!, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(node.dicom.activeAssociations).to.equal(0);
  });

  it('counts connections waiting for their handshake against maxAssociationsPerAddress: the surplus is closed unread', async () => {
    node = await startTestNode({
      dicom: { tls: { port: 0, certFile: CERT, keyFile: KEY }, maxAssociationsPerAddress: 2, timeouts: { associationMs: 60_000 } },
    });
    const open = async () => {
      const socket = net.connect({ port: node.dicom.tlsPort!, host: '127.0.0.1', localAddress: '127.0.0.9' });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return { socket, closed: new Promise<void>((resolve) => socket.once('close', () => resolve())) };
    };
    const kept = [await open(), await open()];
    const surplus = await open();
    await surplus.closed;
    expect(kept.map((k) => k.socket.destroyed)).to.deep.equal([false, false]);
    // A scanner from another address still gets through.
    const echo = await runDcmtk('echoscu', ['-v', ...ANONYMOUS_TLS, '-aec', 'VIGIL', '127.0.0.1', String(node.dicom.tlsPort)]);
    expect(echo.code, echo.stderr).to.equal(0);
    for (const k of kept) k.socket.destroy();
    expect(node.logs.text().match(/closed unread/g)).to.have.length(1);
  });

  it('with only, listens for DICOM over TLS alone: no plain port, and the node is ready', async () => {
    const plainPort = await freePort();
    node = await startTestNode({ dicom: { port: plainPort, tls: { port: 0, certFile: CERT, keyFile: KEY, only: true } } });
    work = makeTempDir();
    const files = writeSeries(path.join(work, 'ct'), { seed: 'tls-only', slices: 2 });
    const stored = await storescu(node.dicom.tlsPort!, files, { extra: ANONYMOUS_TLS });
    expect(storeResponses(stored), stored.stderr).to.deep.equal({ success: 2, failed: 0 });

    const plain = await runDcmtk('echoscu', ['-to', '5', '-aec', 'VIGIL', '127.0.0.1', String(plainPort)]);
    expect(plain.code, 'nothing listens on the plain port').to.not.equal(0);
    expect(() => node.dicom.port).to.throw(/dicom\.tls\.only/);
    expect((await (await apiAs(node, 'service')).get('/ready').expect(200)).body.checks.dicom).to.deep.equal({ ok: true });
    const system = (await (await apiAs(node, 'it')).get('/system').expect(200)).body;
    expect(system).to.include({ DicomPort: null, DicomListening: true });
    expect(system.DicomTlsPort).to.equal(0); // as configured: the test asked the OS for a port
  });

  it('a certificate file it cannot read stops the start, saying which key, before anything listens', async () => {
    const err = await startTestNode({ dicom: { tls: { port: 0, certFile: '/nonexistent/vigil.pem', keyFile: KEY } } }).catch((e: unknown) => e);
    expect(err).to.include({ code: 'CONFIG_INVALID', message: 'cannot read dicom.tls.certFile /nonexistent/vigil.pem' });
  });

  it('with requireClientCert, refuses a scanner that shows no certificate', async () => {
    node = await startTestNode({ dicom: { tls: { port: 0, certFile: CERT, keyFile: KEY, caFile: CERT, requireClientCert: true } } });
    const anonymous = await runDcmtk('echoscu', [...ANONYMOUS_TLS, '-aec', 'VIGIL', '127.0.0.1', String(node.dicom.tlsPort!)]);
    expect(anonymous.code).to.not.equal(0);
    // The same certificate as the scanner's own (the test CA signs only itself): accepted.
    const withCert = await runDcmtk('echoscu', ['+tls', KEY, CERT, '+cf', CERT, '-aec', 'VIGIL', '127.0.0.1', String(node.dicom.tlsPort!)]);
    expect(withCert.code, withCert.stderr).to.equal(0);
  });
});
