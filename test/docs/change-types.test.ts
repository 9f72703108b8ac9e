import fs from 'node:fs';
import { expect } from 'chai';
import { CHANGE_TYPES } from '../../src/store/changes.js';

/**
 * The index records changes as `new-series`, `model-drift`...; GET /changes names them as
 * Orthanc does (`NewSeries`, `ModelDrift`). The docs must use the names a user sees in the API.
 */
describe('docs: change types as GET /changes names them', () => {
  for (const file of ['README.md', 'config/README.md', 'models/README.md', 'plugins/README.md']) {
    it(`${file} writes no change type in its internal kebab-case form`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const internal = CHANGE_TYPES.filter((type) => type.includes('-') && text.includes(`\`${type}\``));
      expect(internal, 'write these as GET /changes does (PascalCase)').to.deep.equal([]);
    });
  }
});
