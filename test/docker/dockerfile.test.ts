import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

/**
 * No Docker engine runs on these machines, so this checks what can be checked without one:
 * every path the Dockerfile copies exists, it runs as a non-root user, its command is the same
 * as `npm start`, and its health check and ports match the node's defaults.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('Dockerfile', () => {
  it('copies only paths that exist in the repository', () => {
    const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).to.be.greaterThan(3);
    for (const line of copies) {
      const parts = line.split(/\s+/).slice(1);
      for (const source of parts.slice(0, -1)) {
        expect(fs.existsSync(path.join(ROOT, source)), `${source} (in "${line}")`).to.equal(true);
      }
    }
  });

  it('ships no developer tools: src/tools stays out of the build context', () => {
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/^\/|\/$/g, ''));
    expect(instructions).to.include('COPY src ./src');
    expect(fs.existsSync(path.join(ROOT, 'src/tools')), 'src/tools').to.equal(true);
    expect(ignored, '.dockerignore').to.include('src/tools');
  });

  it('is multi-stage and installs production dependencies only', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).to.be.greaterThanOrEqual(2);
    expect(instructions.some((l) => l.startsWith('FROM node:20'))).to.equal(true);
    expect(dockerfile).to.match(/npm ci --omit=dev/);
  });

  it('runs as a user that is not root', () => {
    const users = instructions.filter((l) => l.startsWith('USER ')).map((l) => l.split(/\s+/)[1]);
    expect(users).to.have.length.greaterThan(0);
    expect(users[users.length - 1]).to.not.match(/^(root|0)$/);
  });

  it('starts the node with the same command as npm start, which runs on production dependencies', () => {
    const cmd = instructions.filter((l) => l.startsWith('CMD ')).pop()!;
    expect(JSON.parse(cmd.slice(4))).to.deep.equal(['npm', 'start']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.scripts.start).to.match(/--import tsx src\/cli\/main\.ts start/);
    expect(pkg.dependencies).to.have.property('tsx');
  });

  it("holds the triage worker processes' entry, and never the test-only worker fault module", () => {
    const sources = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    const inImage = (file: string) => sources.some((s) => file === s || file.startsWith(`${s.replace(/\/$/, '')}/`));
    // npm start runs the TypeScript sources: the pool forks worker-boot.mjs, which loads worker-main.ts.
    for (const entry of ['src/triage/worker/worker-boot.mjs', 'src/triage/worker/worker-main.ts']) {
      expect(fs.existsSync(path.join(ROOT, entry)), entry).to.equal(true);
      expect(inImage(entry), entry).to.equal(true);
    }
    const fault = 'test/helpers/worker-fault.mjs';
    expect(fs.existsSync(path.join(ROOT, fault))).to.equal(true);
    expect(inImage(fault), fault).to.equal(false);
    expect(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n')).to.include('test');
  });

  it('declares volumes for data, config and models, the default ports, and a health check on /health', () => {
    expect(dockerfile).to.match(/VOLUME \[.*"\/app\/data".*"\/app\/config".*"\/app\/models".*\]/);
    expect(dockerfile).to.match(/EXPOSE 11112 2762 8042/); // DICOM, DICOM over TLS, HTTP
    expect(dockerfile).to.match(/HEALTHCHECK[\s\S]*\/health/);
  });

  it('gives the user it runs as its data folder and config/ (PUT /rules rewrites config/rules.yaml)', () => {
    const user = instructions
      .filter((l) => l.startsWith('USER '))
      .pop()!
      .split(/\s+/)[1]!;
    const copiedConfig = instructions.findIndex((l) => /^COPY config \.\/config$/.test(l));
    expect(copiedConfig, 'config/ is copied into the image').to.be.greaterThan(-1);
    const owned = (dir: string) =>
      instructions.some((l, i) => i > copiedConfig && l.startsWith('RUN ') && new RegExp(`chown -R ${user}:${user}( \\S+)* ${dir}(\\s|$)`).test(l));
    expect(owned('/app/data'), '/app/data').to.equal(true);
    expect(owned('/app/config'), '/app/config').to.equal(true);
  });
});
