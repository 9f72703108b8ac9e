import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { TempFileWriter } from '../../src/store/temp-file-writer.js';
import { countFsyncs } from '../helpers/fsync-spy.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

async function writeAll(writer: TempFileWriter, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) writer.write(chunk);
  writer.end();
  await writer.settled();
}

describe('store/temp-file-writer: a received data set on its way to disk', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  it('flushes the file once it is in place, then its folder, before moveTo resolves', async () => {
    const writer = new TempFileWriter(path.join(dir, 'a.part'), Buffer.from('PREFIX'), true);
    fs.mkdirSync(path.join(dir, 'store'));
    const target = path.join(dir, 'store', 'a.dcm');
    const opened: string[] = [];
    const open = fs.open;
    const fsyncs = await countFsyncs(async () => {
      await writeAll(writer, [Buffer.alloc(300_000, 1), Buffer.alloc(5, 2)]);
      fs.open = ((...args: Parameters<typeof fs.open>) => (opened.push(String(args[0])), open(...args))) as typeof fs.open;
      try {
        await writer.moveTo(target);
      } finally {
        fs.open = open;
      }
    });
    expect(fsyncs, 'the file, then the folder its name is in').to.equal(2);
    expect(opened).to.deep.equal([path.join(dir, 'store')]);
    expect(fs.statSync(target).size).to.equal(6 + 300_005);
    expect(fs.existsSync(path.join(dir, 'a.part'))).to.equal(false);
  });

  it('does not flush when fsync is off', async () => {
    const writer = new TempFileWriter(path.join(dir, 'b.part'), Buffer.from('P'), false);
    const fsyncs = await countFsyncs(async () => {
      await writeAll(writer, [Buffer.from('data')]);
      await writer.moveTo(path.join(dir, 'b.dcm'));
    });
    expect(fsyncs).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'b.dcm'), 'latin1')).to.equal('Pdata');
  });

  it('serves the whole file from memory or disk, whatever its size', async () => {
    const body = Buffer.alloc(400_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 251;
    const writer = new TempFileWriter(path.join(dir, 'c.part'), Buffer.from('HEAD'), false);
    // Network-sized pieces, as the SCP hands them over.
    const pieces = [];
    for (let at = 0; at < body.length; at += 16_384) pieces.push(body.subarray(at, at + 16_384));
    await writeAll(writer, pieces);
    const whole = Buffer.concat([Buffer.from('HEAD'), body]);
    const source = writer.contents();
    expect(source.size).to.equal(whole.length);
    for (const [pos, n] of [
      [0, 10],
      [65_530, 20],
      [200_000, 100],
      [whole.length - 70_000, 8],
      [whole.length - 8, 8],
    ] as const) {
      expect(source.read(pos, n).subarray(0, n), `at ${pos}`).to.deep.equal(whole.subarray(pos, pos + n));
    }
    await writer.discard();
    expect(fs.existsSync(path.join(dir, 'c.part'))).to.equal(false);
  });

  it('asks the sender to wait past 4 MB not yet written, says when to go on, and writes it all', async () => {
    const writer = new TempFileWriter(path.join(dir, 'd.part'), Buffer.from('P'), false);
    const chunk = Buffer.alloc(512 * 1024, 3);
    const answers: boolean[] = [];
    for (let i = 0; i < 12; i++) answers.push(writer.write(chunk)); // 6 MB at once: one write in flight, the rest waits
    expect(answers[0]).to.equal(true);
    expect(answers.at(-1), 'past the high-water mark').to.equal(false);
    await new Promise<void>((resolve) => writer.once('drain', () => resolve()));
    writer.end();
    await writer.settled();
    expect(writer.bytesWritten).to.equal(1 + 12 * chunk.length);
    await writer.moveTo(path.join(dir, 'd.dcm'));
    expect(fs.statSync(path.join(dir, 'd.dcm')).size).to.equal(1 + 12 * chunk.length);
  });
});
