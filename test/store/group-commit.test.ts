import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { configSchema } from '../../src/config/schema.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { storescu, storeResponses } from '../helpers/dcmtk.js';
import { writeSeries } from '../helpers/dicom-fixtures.js';
import { countFsyncs } from '../helpers/fsync-spy.js';
import { startTestNode, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

describe('store/group-commit: instances ready together share one flush pass and one transaction', () => {
  let dir: string;
  let db: Db;
  let other: Database.Database;
  const transaction = <T>(fn: () => T): T => db.transaction(fn)();

  beforeEach(() => {
    dir = makeTempDir();
    db = openDatabase(path.join(dir, 'index.sqlite'));
    db.exec('CREATE TABLE rows (id TEXT PRIMARY KEY)');
    // a second connection: what it sees is committed
    other = new Database(path.join(dir, 'index.sqlite'), { readonly: true });
  });
  afterEach(() => {
    other.close();
    db.close();
    removeDir(dir);
  });

  const committed = (id: string): boolean => other.prepare('SELECT 1 FROM rows WHERE id = ?').get(id) !== undefined;
  const insert = (id: string) => () => db.prepare('INSERT INTO rows (id) VALUES (?)').run(id).changes;

  it('resolves each member only once it is flushed and committed, in one transaction per window', async () => {
    const groups: number[] = [];
    const group = new GroupCommit(transaction, { windowMs: 30, maxMembers: 64 }, (n) => groups.push(n));
    const flushed: string[] = [];
    const seenAtResolve: boolean[] = [];
    const members = ['a', 'b', 'c'].map((id) =>
      group
        .submit({
          flush: async () => void flushed.push(id),
          write: () => {
            expect(flushed, 'every member of the group is flushed before any is indexed').to.have.members(['a', 'b', 'c']);
            return insert(id)();
          },
        })
        .then((v) => (seenAtResolve.push(committed(id)), v)),
    );
    expect(group.waiting).to.equal(3);
    expect(await Promise.all(members)).to.deep.equal([1, 1, 1]);
    expect(seenAtResolve).to.deep.equal([true, true, true]);
    expect(groups).to.deep.equal([3]);
  });

  it('fails a member whose write or flush fails, alone: the others commit; a failed commit fails every member', async () => {
    const group = new GroupCommit(transaction, { windowMs: 10, maxMembers: 64 });
    const results = await Promise.allSettled([
      group.submit({ flush: async () => undefined, write: insert('ok1') }),
      group.submit({
        flush: async () => undefined,
        write: () => {
          insert('undone')();
          throw new Error('constraint');
        },
      }),
      group.submit({ flush: async () => Promise.reject(new Error('EIO')), write: insert('never') }),
      group.submit({ flush: async () => undefined, write: insert('ok2') }),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(['ok1', 'undone', 'never', 'ok2'].map(committed)).to.deep.equal([true, false, false, true]);

    // a commit that fails (here: the transaction itself throws) acknowledges nothing
    const failing = new GroupCommit(
      (fn) =>
        db.transaction(() => {
          fn();
          throw new Error('SQLITE_FULL');
        })(),
      { windowMs: 10, maxMembers: 64 },
    );
    const both = await Promise.allSettled([
      failing.submit({ flush: async () => undefined, write: insert('x1') }),
      failing.submit({ flush: async () => undefined, write: insert('x2') }),
    ]);
    expect(both.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(['x1', 'x2'].map(committed)).to.deep.equal([false, false]);
  });

  it('closes a group at its size limit without waiting for the window', async () => {
    const groups: number[] = [];
    const group = new GroupCommit(transaction, { windowMs: 60_000, maxMembers: 2 }, (n) => groups.push(n));
    await Promise.all(['m1', 'm2'].map((id) => group.submit({ flush: async () => undefined, write: insert(id) })));
    expect(groups).to.deep.equal([2]);
  });

  it('storage.groupCommitMs is validated with its path', () => {
    expect(configSchema.parse({ storage: { groupCommitMs: 5 } }).storage.groupCommitMs).to.equal(5);
    expect(configSchema.parse({}).storage.groupCommitMs).to.equal(0);
    for (const bad of [-1, 1.5, 101, 'x']) {
      const result = configSchema.safeParse({ storage: { groupCommitMs: bad } });
      expect(result.success, String(bad)).to.equal(false);
      expect(result.error!.issues[0]!.path).to.deep.equal(['storage', 'groupCommitMs']);
    }
  });
});

describe('store/group-commit: four DCMTK associations at once', function () {
  this.timeout(120_000);
  let node: TestNode;
  let work: string;

  beforeEach(async () => {
    node = await startTestNode({ storage: { groupCommitMs: 20 } });
    work = makeTempDir();
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(work);
  });

  it('stores and indexes every instance, each flushed, in fewer transactions than instances', async function () {
    requireTool(this, 'storescu', 'dcmtk');
    const batches = [0, 1, 2, 3].map((i) => writeSeries(path.join(work, `b${i}`), { slices: 12, seed: `group-${i}` }));
    let results!: Awaited<ReturnType<typeof storescu>>[];
    const fsyncs = await countFsyncs(async () => {
      results = await Promise.all(batches.map((files) => storescu(node.dicom.port, files)));
    });
    for (const r of results) expect(storeResponses(r)).to.deep.equal({ success: 12, failed: 0 });
    expect(node.index.count('instances')).to.equal(48);
    expect(fsyncs, 'every instance flushed').to.be.at.least(48);
    for (const row of node.index.allFilePaths()) expect(fs.existsSync(node.files.absolutePath(row.filePath))).to.equal(true);
    const body = (await node.metrics.render()).body;
    const count = Number(/^vigil_store_group_commit_instances_count (\d+)/m.exec(body)?.[1]);
    const sum = Number(/^vigil_store_group_commit_instances_sum (\d+)/m.exec(body)?.[1]);
    expect(sum).to.equal(48);
    expect(count, 'transactions for 48 instances').to.be.below(48);
  });
});
