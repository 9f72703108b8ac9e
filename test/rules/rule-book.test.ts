import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { eventually } from '../helpers/eventually.js';
import YAML from 'yaml';
import { isVigilError } from '../../src/core/errors.js';
import { startNode } from '../../src/node.js';
import { createLogger } from '../../src/log/logger.js';
import { CaptureTransport } from '../helpers/log-capture.js';
import { asTestNode, startTestNode, testConfig, type TestNode } from '../helpers/test-node.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';

const siteRule = (id: string, priority = 'urgent') => ({ id, when: { attr: 'Modality', equals: 'MR' }, then: { forward: [], priority }, stop: true });
/** The plugins whose default rules these tests expect, in this order. */
const TRIAGE_PLUGINS = { enabled: ['pe', 'pneumothorax', 'stroke'] };
const GOOD = { rules: [siteRule('site.mr-stop')] };

describe('rules/rule-book: versions, the rules file, last good set', () => {
  let configDir: string;
  let file: string;
  let node: TestNode;

  beforeEach(async () => {
    configDir = makeTempDir('vigil-rules-');
    file = path.join(configDir, 'rules.yaml');
    fs.writeFileSync(file, YAML.stringify(GOOD));
    node = await startTestNode({ rules: { file, watch: false }, plugins: TRIAGE_PLUGINS });
  });
  afterEach(async () => {
    await node.dispose();
    removeDir(configDir);
  });

  it('applies the file at start, site rules before the plugin defaults', () => {
    const { ruleSet, version } = node.rules.book.inForce();
    expect(version).to.equal(1);
    expect(ruleSet.rules.map((r) => r.id)).to.deep.equal(['site.mr-stop', 'pe.ctpa', 'pneumothorax.cxr', 'stroke.ncct-head']);
    expect(node.rules.versions.get(1)).to.include({ author: 'file', source: 'file' });
  });

  it('a bad file leaves the good rules in force, and says why in the status and the log', () => {
    fs.writeFileSync(file, YAML.stringify({ rules: [{ id: 'broken', when: { attr: 'SliceThicknes', range: { max: 'five' } } }] }));
    node.rules.book.reloadFile();
    expect(node.rules.book.inForce().version).to.equal(1);
    expect(node.rules.book.inForce().ruleSet.rules[0]!.id).to.equal('site.mr-stop');
    const status = node.rules.book.status();
    expect(status.failure).to.deep.include({ ok: false, source: 'file', version: 1 });
    expect(status.failure!.errors.map((e) => e.path)).to.deep.equal(['rules.0.when.attr', 'rules.0.when.range.max']);
    expect(node.logs.text()).to.include('routing rules refused');

    fs.writeFileSync(file, 'rules: [ {id: x, when: ');
    node.rules.book.reloadFile();
    expect(node.rules.book.status().failure!.errors[0]!.path).to.match(/^\(syntax, line 1/);
    expect(node.rules.book.inForce().version).to.equal(1);
  });

  it('keeps the last good set across a restart with a bad file', async () => {
    fs.writeFileSync(file, 'not: [valid');
    const { dataDir } = node;
    await node.stop();
    const logs = new CaptureTransport();
    const config = testConfig(dataDir, { rules: { file, watch: false }, plugins: TRIAGE_PLUGINS });
    node = asTestNode(await startNode(config, { log: createLogger(config.log, dataDir, { console: false, transports: [logs] }) }), dataDir, logs);
    expect(node.rules.book.inForce().version).to.equal(1);
    expect(node.rules.book.inForce().ruleSet.rules[0]!.id).to.equal('site.mr-stop');
    expect(node.rules.book.status().failure!.source).to.equal('startup');
  });

  it('versions every change with author and diff, writes the file, and rolls back', () => {
    const applied = node.rules.book.apply(
      { rules: [siteRule('site.mr-stop', 'stat'), siteRule('site.other')], disable: ['pe.ctpa'] },
      { author: 'test-it', source: 'api' },
    );
    expect(applied).to.deep.include({ version: 2, changed: true });
    const v2 = node.rules.versions.get(2)!;
    expect(v2).to.include({ author: 'test-it', source: 'api' });
    expect(v2.diff).to.deep.equal({ added: ['site.other'], removed: ['pe.ctpa'], changed: [{ id: 'site.mr-stop', fields: ['then'] }], reordered: null });
    expect(YAML.parse(fs.readFileSync(file, 'utf8'))).to.deep.equal(v2.document);

    // The same document again is not a new version.
    expect(node.rules.book.apply(v2.document, { author: 'test-it', source: 'api' })).to.deep.include({ version: 2, changed: false });

    const back = node.rules.book.rollback(1, 'test-it');
    expect(back.version).to.equal(3);
    expect(node.rules.versions.get(3)).to.include({ source: 'rollback', rolledBackTo: 1 });
    expect(node.rules.versions.get(3)!.diff.added).to.deep.equal(['pe.ctpa']);
    expect(fs.readFileSync(file, 'utf8')).to.equal(node.rules.versions.get(1)!.text);
    expect(node.rules.book.inForce().ruleSet.rules.map((r) => r.id)).to.deep.equal(['site.mr-stop', 'pe.ctpa', 'pneumothorax.cxr', 'stroke.ncct-head']);
    expect(
      node.index.changes
        .list(0, 100)
        .changes.filter((c) => c.type === 'rules-changed')
        .map((c) => c.resourceId),
    ).to.deep.equal(['1', '2', '3']);
  });

  it('refuses an invalid document from the API with every problem, and keeps the rules', () => {
    try {
      node.rules.book.apply(
        { rules: [{ id: 'x', when: { attr: 'Modality', equals: 'CT' }, then: { forward: ['NOWHERE'] } }] },
        { author: 'test-it', source: 'api' },
      );
      expect.fail('applied an invalid document');
    } catch (err) {
      expect(isVigilError(err, 'RULES_INVALID')).to.equal(true);
      expect((err as { extra: { errors: { path: string }[] } }).extra.errors.map((e) => e.path)).to.deep.equal(['rules.0.then.forward.0']);
    }
    expect(node.rules.book.inForce().version).to.equal(1);
    expect(YAML.parse(fs.readFileSync(file, 'utf8'))).to.deep.equal(GOOD);
  });
});

describe('rules/rule-book: watching the rules file', () => {
  it('applies a change on disk without a restart, and ignores its own writes', async () => {
    const configDir = makeTempDir('vigil-rules-');
    const file = path.join(configDir, 'rules.yaml');
    const node = await startTestNode({ rules: { file, watch: true, debounceMs: 20 } });
    try {
      expect(node.rules.book.status()).to.deep.include({ version: 1, watching: true });
      fs.writeFileSync(file, YAML.stringify(GOOD));
      await eventually(() => node.rules.book.inForce().version === 2, 'the file change applied');
      expect(node.rules.versions.get(2)).to.include({ source: 'file', author: 'file' });
      node.rules.book.apply({ rules: [siteRule('site.api')] }, { author: 'test-it', source: 'api' });
      fs.writeFileSync(file, YAML.stringify({ rules: [siteRule('site.last')] }));
      await eventually(() => node.rules.book.inForce().ruleSet.rules[0]!.id === 'site.last', 'the second file change applied');
      expect(node.rules.book.inForce().version).to.equal(4);
    } finally {
      await node.dispose();
      removeDir(configDir);
    }
  });
});
