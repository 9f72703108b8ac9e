import { expect } from 'chai';
import { findingSummary } from '../../../src/alerts/notice.js';
import { makeFinding, seedStudy } from '../../helpers/findings.js';
import { DicomIndex } from '../../../src/store/dicom-index.js';
import { indexPath, openDatabase } from '../../../src/db/database.js';
import { migrate } from '../../../src/db/migrate.js';
import { storeMigrations } from '../../../src/store/migrations.js';
import { makeTempDir, removeDir } from '../../helpers/tmp.js';

describe('triage/site: every alert text names the operating point that decided it', () => {
  it('site with its version, or shipped with its name; a finding stored before either is shipped', () => {
    const dir = makeTempDir();
    const db = openDatabase(indexPath(dir));
    try {
      migrate(db, [storeMigrations]);
      const study = seedStudy(new DicomIndex(db), 'text');
      const site = makeFinding(study, { threshold: 0.615, operatingPoint: { name: 'site-v3', sensitivity: 1, specificity: 0.9, source: 'site', version: 3 } });
      expect(findingSummary(site)).to.equal(
        'CRITICAL AI triage: possible Hemorrhage (probability 93.0%, threshold 61.5% at the site operating point v3 of stroke 1.0.0)',
      );
      const shipped = makeFinding(study, {
        operatingPoint: { name: 'high-sensitivity', sensitivity: 0.95, specificity: 0.8, source: 'shipped', version: null },
      });
      expect(findingSummary(shipped)).to.include('at the shipped operating point "high-sensitivity" of stroke 1.0.0');
      expect(findingSummary(makeFinding(study))).to.include('at the shipped operating point "high-sensitivity" of stroke 1.0.0');
    } finally {
      db.close();
      removeDir(dir);
    }
  });
});
