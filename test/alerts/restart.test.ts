import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { AlertsPart } from '../../src/alerts/alerts.js';
import { alertsSection } from '../../src/config/sections/alerts.js';
import dimse from '../../src/dicom/net/dimse.js';
import { silentLogger } from '../../src/log/logger.js';
import { indexPath, openDatabase } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { sendWithDimseClient } from '../helpers/dimse-client.js';
import { eventually } from '../helpers/eventually.js';
import { makeFinding } from '../helpers/findings.js';
import { MllpPeer } from '../helpers/mllp-peer.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const PATIENTS = ['ALPHA^ANNA', 'BRAVO^BERT', 'CHARLIE^CORA', 'DELTA^DAN', 'ECHO^EVA'];

/**
 * The outbox across a crash: Vigil runs as `npm start` does, in a child process, and is killed
 * with SIGKILL while a message waits for its ACK. After the restart every alert arrives, in
 * order; the one in flight is sent again under the same control id (a receiver keyed on MSH-10
 * takes it once); nothing acknowledged before the kill is sent again.
 */
describe('alerts: delivery across kill -9 and restart (child process)', function () {
  this.timeout(120_000);
  let work: string;
  let peer: MllpPeer;
  const running: NodeProcess[] = [];

  beforeEach(async () => {
    work = makeTempDir();
    peer = new MllpPeer();
    await peer.start();
  });
  afterEach(async () => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await peer.stop();
    removeDir(work);
  });

  async function run(dataDir: string, configFile: string): Promise<NodeProcess> {
    const proc = await startNodeProcess(dataDir, { VIGIL_CONFIG: configFile });
    running.push(proc);
    return proc;
  }

  it('every alert arrives once, in order, though the destination was down and Vigil was killed mid-delivery', async () => {
    const dataDir = path.join(work, 'data');
    const configFile = path.join(work, 'vigil.yaml');
    const alerts = {
      destinations: [{ id: 'ris', type: 'hl7v2', host: '127.0.0.1', port: peer.port, orderUpdate: 'none', responseTimeoutMs: 120_000 }],
      delivery: { backoff: { initialMs: 10, maxMs: 50 } },
    };
    fs.writeFileSync(configFile, YAML.stringify({ dicom: { transferSyntaxes: ['1.2.840.10008.1.2.1'] }, alerts }));

    // 1. Five studies arrive over DICOM; the node stops cleanly.
    const first = await run(dataDir, configFile);
    for (const [i, name] of PATIENTS.entries()) {
      const [file] = writeSeries(path.join(work, `s${i}`), {
        seed: `restart-${i}`,
        slices: 1,
        rows: 16,
        columns: 16,
        patientName: name,
        patientId: `MRN-${i}`,
        accessionNumber: `ACC-${i}`,
      });
      const sent = await sendWithDimseClient(first.dicomPort, dimse.Dataset.fromFile(file!)!.getElements());
      expect(sent.status).to.equal(0);
    }
    first.child.kill('SIGTERM');
    await first.exited;

    // 2. Their findings enter the outbox (as triage would, in the finding's transaction).
    const db = openDatabase(indexPath(dataDir));
    const index = new DicomIndex(db);
    const part = new AlertsPart({ config: alertsSection.parse(alerts), db, index, log: silentLogger() });
    const studyIds = index.listIds('studies', 0, 10);
    for (const studyId of [...studyIds].sort((a, b) => accessionOf(index, a).localeCompare(accessionOf(index, b)))) {
      const study = index.getResource('studies', studyId)!;
      const seriesId = index.childIds('studies', studyId)[0]!;
      const series = index.getResource('series', seriesId)!;
      const finding = makeFinding({
        studyId,
        seriesId,
        studyInstanceUid: study.mainTags.StudyInstanceUID!,
        seriesInstanceUid: series.mainTags.SeriesInstanceUID!,
        accessionNumber: study.mainTags.AccessionNumber!,
      });
      db.transaction(() => part.outbox.enqueueForFinding(finding))();
    }
    const keys = part.deliveries.list({ limit: 10 }).map((d) => `${d.idempotencyKey}-1`);
    db.close();
    expect(keys).to.have.length(5);

    // 3. The destination is down (hangs up) twice, takes two alerts, then leaves the third unanswered.
    peer.then('hang-up', 'hang-up', 'AA', 'AA', 'silent');
    const second = await run(dataDir, configFile);
    await eventually(() => peer.received.length === 5, 'the third alert on the wire', 30_000);
    second.child.kill('SIGKILL');
    await second.exited;
    expect(peer.accepted).to.deep.equal(keys.slice(0, 2));

    // 4. Restarted, the node resends the third under the same control id and sends the rest.
    const third = await run(dataDir, configFile);
    await eventually(() => peer.accepted.length === 5, 'all five accepted', 30_000);
    third.child.kill('SIGTERM');
    await third.exited;

    expect(peer.accepted, 'accepted in outbox order, once each').to.deep.equal(keys);
    const firstSeen = [...new Set(peer.received.map((r) => r.msg.controlId))];
    expect(firstSeen, 'first sent in outbox order').to.deep.equal(keys);
    expect(peer.resent().sort(), 'resent only what had no ACK').to.deep.equal([keys[0]!, keys[2]!].sort());
    expect(peer.received.filter((r) => r.msg.controlId === keys[1]).length, 'an acknowledged alert is never resent').to.equal(1);

    const after = openDatabase(indexPath(dataDir));
    try {
      const rows = after.prepare('SELECT state, attempts, time_to_notification_ms AS ttn FROM alert_deliveries ORDER BY seq').all() as {
        state: string;
        attempts: number;
        ttn: number;
      }[];
      expect(rows.map((r) => r.state)).to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
      expect(rows[0]!.attempts).to.equal(3);
      expect(rows[2]!.attempts).to.equal(2);
      expect(rows.every((r) => r.ttn >= 0)).to.equal(true);
    } finally {
      after.close();
    }
    const output = running.map((p) => p.output()).join('\n');
    expect(output).to.include('alert delivered');
    for (const secret of [...PATIENTS.flatMap((n) => n.split('^')), 'MRN-1', 'ACC-1']) expect(output, secret).not.to.include(secret);
  });
});

function accessionOf(index: DicomIndex, studyId: string): string {
  return index.getResource('studies', studyId)?.mainTags.AccessionNumber ?? '';
}
