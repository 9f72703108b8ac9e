import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

describe('api/http-server: HTTPS when a certificate and key are configured', function () {
  this.timeout(30_000);
  let node: TestNode | undefined;
  let work: string;

  beforeEach(() => {
    work = makeTempDir();
  });
  afterEach(async () => {
    await node?.dispose();
    node = undefined;
    removeDir(work);
  });

  it('serves the API over TLS with a self-signed certificate, and refuses plain HTTP on that port', async function () {
    requireTool(this, 'openssl', 'openssl');
    const certFile = path.join(work, 'cert.pem');
    const keyFile = path.join(work, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'pipe', timeout: 20_000 },
    );
    node = await startTestNode({ http: { tls: { certFile, keyFile } } });
    const base = `https://127.0.0.1:${node.http.port}`;
    const ca = fs.readFileSync(certFile);

    await request(base)
      .get('/health')
      .ca(ca)
      .expect(200, { status: 'ok', roles: ['dicom', 'api', 'triage', 'alerts', 'scheduler'] });
    const token = await node.tokenFor('it');
    const system = await request(base).get('/system').ca(ca).set('Authorization', `Bearer ${token}`).expect(200);
    expect(system.body).to.include({ Name: 'Vigil' });
    await request(base).get('/system').ca(ca).expect(401);

    const plain = await new Promise<string>((resolve) => {
      http
        .get(`http://127.0.0.1:${node!.http.port}/health`, (res) => resolve(`status ${res.statusCode}`))
        .on('error', (err) => resolve(`error ${err.message}`));
    });
    expect(plain).to.not.equal('status 200');
  });
});
