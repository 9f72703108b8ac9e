import { expect } from 'chai';
import { ManualClock } from '../../src/core/clock.js';
import type { SqliteDb as Db } from '../../src/db/database.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { recordStable, store } from './helpers.js';
import { asSqlite } from '../helpers/sqlite.js';

/** A manual clock that refuses to fire a timer more than `limit` times: a re-arming loop fails the test instead of hanging it. */
class BoundedClock extends ManualClock {
  fired = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override setTimer(fn: () => void, ms: number): () => void {
    return super.setTimer(() => {
      if (++this.fired > this.limit) throw new Error(`a timer fired more than ${this.limit} times: something re-arms in a loop`);
      fn();
    }, ms);
  }
}

/**
 * Makes the index full the way a full disk does (SQLite's SQLITE_FULL, "database or disk is
 * full"): no page may be added, and every page is filled with small change rows.
 */
function fillIndex(db: Db): void {
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const insert = db.prepare("INSERT INTO changes (type, resource_type, resource_id, at) VALUES ('x', 'x', 'x', 0)");
  try {
    for (;;) insert.run();
  } catch (err) {
    expect((err as Error).message).to.equal('database or disk is full');
  }
}

function freeIndex(db: Db): void {
  db.prepare("DELETE FROM changes WHERE type = 'x'").run();
  db.pragma('max_page_count = 1073741823');
}

describe('series/tracker on a full disk', function () {
  let node: TestNode;
  let clock: BoundedClock;
  let work: string;

  beforeEach(async () => {
    clock = new BoundedClock(1000);
    node = await startTestNode({ series: { idleSeconds: 30, useCounts: false } }, { clock });
    work = makeTempDir();
  });
  afterEach(async () => {
    freeIndex(asSqlite(node.db));
    await node.dispose();
    removeDir(work);
  });

  const failures = (): Record<string, unknown>[] =>
    node.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => /series tracker failed to declare/.test(String(r.message)));

  it('backs off while the index cannot be written, then declares the series once it can', async () => {
    const events = recordStable(node);
    await store(node, writeSeries(work, { slices: 2 }));
    fillIndex(asSqlite(node.db));
    clock.advance(30_000 + 120_000);
    const attempts = failures();
    expect(
      attempts.map((r) => r.retryInMs),
      'one attempt per back-off step, 1 s doubling',
    ).to.deep.equal([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
    expect(attempts[0]!.error, 'the error by its code (a library message is never logged)').to.include('SQLITE_FULL');
    expect(events).to.have.length(0);

    freeIndex(asSqlite(node.db));
    clock.advance(60_000);
    expect(events.map((e) => e.reason)).to.deep.equal(['idle']);
    expect(node.logs.text()).to.match(/series tracker recovered/);
    expect(node.series.stateOf(events[0]!.seriesId)?.state).to.equal('stable');
  });
});
