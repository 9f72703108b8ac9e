import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

const DOC = 'src/ARCHITECTURE.md';

/** Every `code span` of the document that names a path in the repository. */
function citedPaths(text: string): string[] {
  const spans = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  return spans.filter((s) => /^(src|test|plugins|models|config)\//.test(s) && !s.includes('<') && !s.includes('*') && !s.includes('{'));
}

describe('docs: src/ARCHITECTURE.md stays true of the code', () => {
  const text = fs.readFileSync(DOC, 'utf8');

  it('every file and folder it cites exists', () => {
    const paths = citedPaths(text);
    expect(paths.length, 'the document cites paths').to.be.greaterThan(20);
    const missing = paths.filter((p) => !fs.existsSync(p));
    expect(missing, 'fix the document in the commit that moves or removes these').to.deep.equal([]);
  });

  it('every shorter path it cites (alerts/outbox.ts, site/calibrate.ts) names a file under src/', () => {
    const files = walk('src');
    const short = [...text.matchAll(/`([a-z0-9-]+\/[a-z0-9./-]+\.(?:ts|mjs))`/g)]
      .map((m) => m[1]!)
      .filter((p) => !/^(src|test|plugins|models|config)\//.test(p));
    expect(short.length).to.be.greaterThan(5);
    expect(short.filter((p) => !files.some((f) => f.endsWith(`/${p}`)))).to.deep.equal([]);
  });

  it('every table it names is created (or renamed into being) by a migration', () => {
    const migrations = walk('src')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const created = new Set(
      [...migrations.matchAll(/(?:CREATE (?:TABLE|VIEW) (?:IF NOT EXISTS )?|ALTER TABLE [a-z_]+ RENAME TO )([a-z_]+)/g)].map((m) => m[1]!),
    );
    // "Tables: `a`, `b`; `c`." in the description of each part.
    const named = [...text.matchAll(/Tables: ([^.]+)\./g)].flatMap((m) => [...m[1]!.matchAll(/`([a-z_]+)`/g)].map((t) => t[1]!));
    expect(named.length).to.be.greaterThan(20);
    expect(named.filter((t) => !created.has(t))).to.deep.equal([]);
  });

  it('README links to it and to its HL7 section, which exists', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    expect(readme).to.include('](src/ARCHITECTURE.md)');
    expect(readme).to.include('](src/ARCHITECTURE.md#hl7-v2-ours-or-a-dependency)');
    expect(text).to.match(/^## HL7 v2: ours or a dependency$/m);
  });

  it('no source file cites the outside design document', () => {
    const citing = walk('src').filter((f) => /\.(ts|mjs|js)$/.test(f) && fs.readFileSync(f, 'utf8').includes('DESIGN.md'));
    expect(citing, 'point at a section of src/ARCHITECTURE.md instead').to.deep.equal([]);
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
