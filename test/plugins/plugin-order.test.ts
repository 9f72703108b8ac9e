import { expect } from 'chai';
import { orderPlugins } from '../../src/plugins/plugin-order.js';

describe('plugins/plugin-order: load order from config and dependencies', () => {
  const deps: Record<string, string[]> = { a: ['b'], b: [], c: [], d: ['x'], e: ['d'], f: ['g'], g: ['f'] };
  const order = (ids: string[]) => orderPlugins(ids, (id) => deps[id] ?? []);

  it('keeps the configured order, moving a plugin after what it depends on', () => {
    expect(order(['a', 'b', 'c']).order).to.deep.equal(['b', 'c', 'a']);
    expect(order(['c', 'b', 'a']).order).to.deep.equal(['c', 'b', 'a']);
  });

  it('leaves out a plugin without its dependency, and those that need it', () => {
    const result = order(['e', 'd', 'c']);
    expect(result.order).to.deep.equal(['c']);
    expect([...result.missing]).to.deep.equal([
      ['d', 'x'],
      ['e', 'd'],
    ]);
  });

  it('leaves out plugins in a cycle', () => {
    expect(order(['f', 'g', 'c'])).to.deep.include({ order: ['c'], cyclic: ['f', 'g'] });
  });
});
