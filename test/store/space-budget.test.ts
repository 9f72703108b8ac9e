import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { SpaceBudget } from '../../src/store/free-space.js';
import { TempFileWriter } from '../../src/store/temp-file-writer.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

/** A budget with room for `room` bytes that keeps its books: what was taken must end written or given back (a leak would refuse every later instance). */
class Books implements SpaceBudget {
  taken = 0;
  onDisk = 0;
  givenBack = 0;
  constructor(private room: number) {}
  take(bytes: number): boolean {
    if (this.taken - this.givenBack + bytes > this.room) return false;
    this.taken += bytes;
    return true;
  }
  written(bytes: number): void {
    this.onDisk += bytes;
  }
  release(bytes: number): void {
    this.givenBack += bytes;
  }
  outstanding(): number {
    return this.taken - this.onDisk - this.givenBack;
  }
}

const chunks = (n: number, size = 64 * 1024): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.alloc(size, i));

describe('store/temp-file-writer and the free-space budget: every byte taken is written or given back', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('a file written to its end and moved into place', async () => {
    const books = new Books(10 * 1024 * 1024);
    const writer = new TempFileWriter(path.join(dir, 'a.part'), Buffer.from('PREFIX'), false, undefined, books);
    for (const c of chunks(20)) writer.write(c);
    writer.end();
    await writer.settled();
    await writer.moveTo(path.join(dir, 'a.dcm'));
    expect(books.onDisk).to.equal(6 + 20 * 64 * 1024);
    expect(books.outstanding()).to.equal(0);
    expect(fs.statSync(path.join(dir, 'a.dcm')).size).to.equal(books.onDisk);
  });

  it('a file discarded half-way (the sender went away)', async () => {
    const books = new Books(10 * 1024 * 1024);
    const writer = new TempFileWriter(path.join(dir, 'b.part'), Buffer.from('P'), false, undefined, books);
    for (const c of chunks(7)) writer.write(c);
    await writer.discard();
    expect(books.outstanding()).to.equal(0);
    expect(books.taken).to.be.greaterThan(0);
  });

  it('a file the budget stops (the floor reached): it fails as a refusal, and gives back what it had not written', async () => {
    const books = new Books(300 * 1024);
    const writer = new TempFileWriter(path.join(dir, 'c.part'), Buffer.from('P'), false, undefined, books);
    for (const c of chunks(10)) writer.write(c);
    writer.end();
    await writer.settled();
    expect(writer.failure?.message).to.match(/minFreeMb/);
    await writer.discard();
    expect(books.outstanding()).to.equal(0);
    expect(books.onDisk).to.be.at.most(300 * 1024);
  });

  it('a writer refused from the start takes nothing', async () => {
    const books = new Books(0);
    const writer = new TempFileWriter(path.join(dir, 'd.part'), Buffer.from('PREFIX'), false, undefined, books);
    writer.write(Buffer.alloc(1000));
    writer.end();
    await writer.settled();
    expect(writer.failure).to.not.equal(undefined);
    await writer.discard();
    expect([books.taken, books.outstanding()]).to.deep.equal([0, 0]);
  });
});
