import { expect } from 'chai';
import { PACKS, type PackSpec } from '../../models/train/packs.js';
import { splitStudy } from '../../models/train/split-study.js';

describe('models: the phantom each split study is (make-dataset.ts and score-split.ts share it)', () => {
  it('splits without a varied share draw the studies the shipped 1.0.0 packs were validated on', () => {
    // Taken with the draw as make-dataset.ts and score-split.ts each wrote it before it was shared.
    expect(splitStudy(PACKS['pneumothorax-cxr'], 'val', 3)).to.deep.equal({
      kind: 'cxr',
      finding: 'none',
      seed: 1000003,
      vendor: 'alpha',
      sliceThicknessMm: undefined,
      noise: 'low',
      matrix: 1,
    });
    expect(splitStudy(PACKS['pneumothorax-cxr'], 'shifted', 8)).to.deep.equal({
      kind: 'cxr',
      finding: 'pneumothorax',
      seed: 1200008,
      vendor: 'delta',
      sliceThicknessMm: undefined,
      noise: 'high',
      matrix: 1,
    });
    expect(splitStudy(PACKS['stroke-ich'], 'test', 5)).to.deep.equal({
      kind: 'head-ct',
      finding: 'none',
      seed: 300005,
      vendor: 'beta',
      sliceThicknessMm: 4,
      noise: 'low',
      matrix: 512,
    });
  });

  it('a training split with a varied share draws about that share in the varied style, the rest as before', () => {
    for (const id of ['pneumothorax-cxr', 'stroke-ich'] as const) {
      const pack: PackSpec = PACKS[id];
      const share = pack.splits.train.varied!;
      expect(share, id).to.be.within(0.1, 0.9);
      const without: PackSpec = { ...pack, splits: { ...pack.splits, train: { ...pack.splits.train, varied: undefined } } };
      let varied = 0;
      for (let i = 0; i < 400; i++) {
        const a = splitStudy(pack, 'train', i);
        const b = splitStudy(without, 'train', i);
        if (a.style === 'varied') {
          varied++;
          expect(a.vendor, `${id} ${i}`).to.equal(undefined);
        } else {
          expect(a, `${id} ${i}`).to.deep.equal(b);
        }
        // Seed, finding, thickness and noise never depend on the style.
        expect({ ...a, vendor: undefined, style: undefined }).to.deep.equal({ ...b, vendor: undefined, style: undefined });
      }
      expect(varied / 400, id).to.be.closeTo(share, 0.08);
    }
  });

  it('the held-out splits never draw the varied style, nor a training vendor in the shifted set', () => {
    for (const pack of Object.values(PACKS) as PackSpec[]) {
      for (const split of ['val', 'test', 'shifted'] as const) {
        expect(pack.splits[split].varied, `${pack.id} ${split}`).to.equal(undefined);
      }
      for (let i = 0; i < 50; i++) expect(splitStudy(pack, 'shifted', i).vendor, pack.id).to.equal('delta');
    }
  });
});
