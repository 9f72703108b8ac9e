import { expect } from 'chai';
import { readHeader } from '../../src/dicom/data/header.js';
import { checkRules } from '../../src/rules/check.js';
import { defaultRulesOfPlugins } from '../../src/plugins/default-rules.js';
import { explainDecision } from '../../src/rules/explain.js';
import { seriesOfOneHeader } from '../../src/rules/header-series.js';
import { routeSeries } from '../../src/rules/route.js';
import type { RuleSet } from '../../src/rules/language.js';
import { writeEditedSeries, type HeaderEdits } from '../helpers/rule-headers.js';
import type { SeriesOptions } from '../helpers/dicom-fixtures.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const MODELS = ['stroke-ich', 'pe-ctpa', 'pneumothorax-cxr'];
const HEAD = { '(0018,0015)': 'HEAD', '(0008,1030)': 'CT HEAD WITHOUT CONTRAST', '(0008,103E)': 'AX 5mm' };
const CTPA = {
  '(0018,0015)': 'CHEST',
  '(0018,0010)': 'IOHEXOL',
  '(0008,1030)': 'CT PULMONARY ANGIOGRAM',
  '(0008,103E)': 'CTPA 1.0 Br40',
  '(0018,0050)': '1',
};

describe('rules/defaults: the default rules of the triage plugins on real headers', () => {
  let dir: string;
  let ruleSet: RuleSet;

  before(async function () {
    requireTool(this, 'dcmodify', 'dcmtk');
    dir = makeTempDir();
    const { defaults, problems } = await defaultRulesOfPlugins(['pe', 'pneumothorax', 'stroke']);
    const check = checkRules({}, { defaults, models: MODELS, destinations: [] });
    expect(problems).to.deep.equal([]);
    expect(check.errors).to.deep.equal([]);
    expect(check.warnings).to.deep.equal([]);
    ruleSet = check.ruleSet!;
  });
  after(() => dir && removeDir(dir));

  async function route(name: string, edits: HeaderEdits, opts: SeriesOptions = {}) {
    const [file] = writeEditedSeries(dir, name, edits, opts);
    const { dict } = await readHeader(file!);
    const decision = routeSeries(ruleSet, seriesOfOneHeader(dict, 'VIGIL'));
    return { decision, models: decision.jobs.map((j) => j.modelId), text: explainDecision(decision, { detail: true }).join('\n') };
  }

  it('ships one rule per plugin, in a stable order', () => {
    expect(ruleSet.rules.map((r) => [r.id, r.origin])).to.deep.equal([
      ['pe.ctpa', { kind: 'default', plugin: 'pe' }],
      ['pneumothorax.cxr', { kind: 'default', plugin: 'pneumothorax' }],
      ['stroke.ncct-head', { kind: 'default', plugin: 'stroke' }],
    ]);
  });

  it('a non-contrast head CT goes to stroke and not to pe', async () => {
    const { models, decision, text } = await route('ncct', { set: HEAD });
    expect(models).to.deep.equal(['stroke-ich']);
    expect(decision.jobs[0]).to.include({ priority: 'urgent', ruleId: 'stroke.ncct-head' });
    expect(text).to.include('✓ stroke.ncct-head: match: all 8 conditions hold');
    expect(text).to.include('✗ pe.ctpa: no match: none of 2 alternatives holds (BodyPartExamined is HEAD, the rule wants one of CHEST, THORAX, LUNG; ');
  });

  it('a thick head CT does not, and the explanation says why', async () => {
    const { models, text } = await route('thick', { set: { ...HEAD, '(0018,0050)': '7.5' } });
    expect(models).to.deep.equal([]);
    expect(text).to.include('✗ stroke.ncct-head: no match: SliceThickness is 7.5, the rule wants ≤ 5');
  });

  it('a head CT with contrast recorded does not', async () => {
    const { models, text } = await route('cect', { set: { ...HEAD, '(0018,0010)': 'IOPAMIDOL' } });
    expect(models).to.deep.equal([]);
    expect(text).to.include('no match: ContrastBolusAgent is IOPAMIDOL, the rule wants no value');
  });

  it('a CT pulmonary angiogram goes to pe', async () => {
    const { models, decision } = await route('ctpa', { set: CTPA });
    expect(models).to.deep.equal(['pe-ctpa']);
    expect(decision.results.find((r) => r.ruleId === 'stroke.ncct-head')!.because).to.match(/^no match: none of 3 alternatives holds/);
  });

  it('a localizer matches nothing, even in a CTPA study', async () => {
    const { models, text } = await route('scout', {
      set: { ...CTPA, '(0008,0008)': 'ORIGINAL\\PRIMARY\\LOCALIZER', '(0020,0037)': '1\\0\\0\\0\\0\\-1', '(0008,103E)': 'Topogram 0.6 T20f' },
    });
    expect(models).to.deep.equal([]);
    expect(text).to.include('series.orientation is coronal, the rule wants axial');
    expect(text).to.include('series.imageTypes is ORIGINAL\\PRIMARY\\LOCALIZER, the rule wants no value equal to LOCALIZER');
  });

  it('a head localizer matches nothing', async () => {
    const { models } = await route('head-scout', { set: { ...HEAD, '(0008,0008)': 'ORIGINAL\\PRIMARY\\LOCALIZER' } });
    expect(models).to.deep.equal([]);
  });

  it('a CR chest PA goes to pneumothorax', async () => {
    const { models } = await route('cxr', { set: { '(0008,0060)': 'CR', '(0018,0015)': 'CHEST', '(0018,5101)': 'PA' } });
    expect(models).to.deep.equal(['pneumothorax-cxr']);
  });

  it('a DX chest lateral does not', async () => {
    const { models, text } = await route('lat', { set: { '(0008,0060)': 'DX', '(0018,0015)': 'CHEST', '(0018,5101)': 'LL' } });
    expect(models).to.deep.equal([]);
    expect(text).to.include('ViewPosition is LL, the rule wants one of PA, AP');
  });

  it('an MR of the brain matches nothing', async () => {
    const { models, text } = await route('mr', { set: { '(0018,0015)': 'BRAIN', '(0008,1030)': 'MR BRAIN' } }, { modality: 'MR' });
    expect(models).to.deep.equal([]);
    expect(text).to.include('Modality is MR, the rule wants CT');
  });
});
