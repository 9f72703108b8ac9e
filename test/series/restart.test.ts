import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import { configSchema } from '../../src/config/schema.js';
import { EventBus } from '../../src/events/bus.js';
import type { SeriesStableEvent } from '../../src/events/types.js';
import { silentLogger } from '../../src/log/logger.js';
import { SeriesTracker } from '../../src/series/tracker.js';
import { seriesMigrations } from '../../src/series/migrations.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { DicomIndex } from '../../src/store/dicom-index.js';
import { migrate } from '../../src/db/migrate.js';
import { storeMigrations } from '../../src/store/migrations.js';
import { resourceIds } from '../../src/domain/resource-ids.js';

/**
 * The tracker across restarts, without a network: instances are indexed directly and their
 * instance-stored events emitted by hand, as the InstanceStore does after its commit.
 */
class Harness {
  readonly db: Db = openDatabase(':memory:');
  readonly index: DicomIndex;
  clock = new ManualClock();
  bus = new EventBus(silentLogger());
  tracker!: SeriesTracker;
  events: SeriesStableEvent[] = [];

  /** `withTracker: false` is an index from before the series part existed. */
  constructor(opts: { withTracker?: boolean } = {}) {
    migrate(this.db, opts.withTracker === false ? [storeMigrations] : [storeMigrations, seriesMigrations]);
    this.index = new DicomIndex(this.db);
  }

  /** A new process on the same index: fresh bus, fresh tracker, its own clock. */
  start(clock = this.clock): this {
    this.clock = clock;
    this.bus = new EventBus(silentLogger());
    this.events = [];
    this.bus.on('series-stable', (e) => void this.events.push(e));
    const config = configSchema.parse({}).series;
    this.tracker = new SeriesTracker({ db: this.db, index: this.index, bus: this.bus, config, clock, log: silentLogger() });
    this.tracker.start();
    return this;
  }

  /** Indexes instance `i` of series `seed`; `emit: false` is a crash between commit and event. */
  arrive(seed: string, i: number, opts: { emit?: boolean } = {}): string {
    const uids = { patientId: 'P', study: `1.2.${seed}`, series: `1.2.${seed}.1`, instance: `1.2.${seed}.1.${i}` };
    const ids = resourceIds(uids);
    const result = this.index.recordInstance({
      ids,
      summary: {
        patient: { PatientID: 'P' },
        study: { StudyInstanceUID: uids.study },
        series: { SeriesInstanceUID: uids.series, Modality: 'CT' },
        instance: { SOPInstanceUID: uids.instance, InstanceNumber: String(i + 1) },
      },
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      filePath: `${seed}/${i}.dcm`,
      fileSize: 1,
      callingAeTitle: 'CT',
      remoteAddress: null,
      receivedAt: Date.now(),
    });
    if (opts.emit !== false) {
      this.bus.emit('instance-stored', {
        instanceId: ids.instance,
        seriesId: ids.series,
        studyId: ids.study,
        patientId: ids.patient,
        sopInstanceUid: uids.instance,
        seriesInstanceUid: uids.series,
        studyInstanceUid: uids.study,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
        modality: 'CT',
        callingAeTitle: 'CT',
        newSeries: result.newSeries,
        newStudy: result.newStudy,
        storedAt: Date.now(),
      });
    }
    return ids.series;
  }

  stop(): void {
    this.tracker.stop();
  }
}

describe('series/tracker: across restarts', () => {
  it('gives a series left open a whole idle window again, counted from the start', () => {
    const h = new Harness().start();
    const seriesId = h.arrive('a', 0);
    h.clock.advance(10_000);
    h.stop();
    h.start(new ManualClock(h.clock.now()));
    h.clock.advance(29_999);
    expect(h.events).to.have.length(0);
    h.clock.advance(1);
    expect(h.events.map((e) => [e.seriesId, e.reason, e.version])).to.deep.equal([[seriesId, 'idle', 1]]);
  });

  it("does not count the time the node was down: the scanner's retries join the series before it is declared", () => {
    const h = new Harness().start();
    const seriesId = h.arrive('a', 0);
    h.stop();
    h.start(new ManualClock(h.clock.now() + 60_000));
    expect(h.events, 'declared at start on half a series').to.have.length(0);
    h.clock.advance(5_000);
    h.arrive('a', 1); // the scanner resends what it could not deliver
    h.clock.advance(30_000);
    expect(h.events.map((e) => [e.seriesId, e.reason, e.version, e.instanceCount])).to.deep.equal([[seriesId, 'idle', 1, 2]]);
  });

  it('does not emit a stable version again after a restart', () => {
    const h = new Harness().start();
    h.arrive('a', 0);
    h.clock.advance(30_000);
    expect(h.events).to.have.length(1);
    h.stop();
    h.start(new ManualClock(h.clock.now()));
    h.clock.advance(3_600_000);
    expect(h.events).to.have.length(0);
  });

  it('emits once more an event whose hand-over a crash interrupted', () => {
    const h = new Harness().start();
    const seriesId = h.arrive('a', 0);
    h.clock.advance(30_000);
    h.stop();
    // The commit happened; the process died before recording the hand-over.
    h.db.prepare('UPDATE series_state SET emit_pending = 1 WHERE series_id = ?').run(seriesId);
    h.start(new ManualClock(h.clock.now()));
    expect(h.events.map((e) => [e.seriesId, e.version])).to.deep.equal([[seriesId, 1]]);
    h.stop();
    h.start(new ManualClock(h.clock.now()));
    expect(h.events).to.have.length(0);
  });

  it('recovers arrivals whose events a crash lost: a new series, and a late instance of a stable one', () => {
    const h = new Harness().start();
    const stable = h.arrive('a', 0);
    h.clock.advance(30_000);
    h.stop();
    h.arrive('a', 1, { emit: false });
    const fresh = h.arrive('b', 0, { emit: false });
    h.start(new ManualClock(h.clock.now()));
    expect(h.tracker.stateOf(stable)).to.include({ state: 'open', version: 1 });
    expect(h.tracker.stateOf(fresh)).to.include({ state: 'open', version: 0 });
    h.clock.advance(30_000);
    expect(h.events.map((e) => [e.seriesId, e.version]).sort()).to.deep.equal(
      [
        [stable, 2],
        [fresh, 1],
      ].sort(),
    );
  });

  it('takes series indexed before the tracker existed as complete, without an event', () => {
    const h = new Harness({ withTracker: false });
    const seriesId = h.arrive('old', 0, { emit: false });
    migrate(h.db, [storeMigrations, seriesMigrations]);
    h.start();
    h.clock.advance(3_600_000);
    expect(h.events).to.have.length(0);
    expect(h.tracker.stateOf(seriesId)).to.include({ state: 'stable', version: 0 });
  });
});
