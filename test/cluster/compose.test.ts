import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import YAML from 'yaml';
import { ENV_OVERRIDES } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { NODE_ROLES } from '../../src/domain/node-roles.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPOSE = path.join(ROOT, 'config/cluster/docker-compose.yml');
/** Variables the node reads besides the config overrides. */
const READ_ELSEWHERE = ['VIGIL_CONFIG', 'VIGIL_ADMIN_TOKEN'];

interface Service {
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}

/** `${NAME:?message}` and `${NAME}` as docker compose fills them, from `values`. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_]+)(?::\?[^}]*)?\}/g, (_, name: string) => values[name] ?? '');
}

/**
 * No Docker engine (nor compose) runs on these machines: the compose file is checked as YAML
 * (merge keys resolved as compose does), and every Vigil service's environment is loaded by the
 * node's own config loader, as the container would at start.
 */
describe('config/cluster/docker-compose.yml', () => {
  const text = interpolate(fs.readFileSync(COMPOSE, 'utf8'), { POSTGRES_PASSWORD: 'p'.repeat(32), VIGIL_ADMIN_TOKEN: 't'.repeat(64) });
  const doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true });
  const compose = doc.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const nodes = Object.entries(compose.services).filter(([, s]) => s.environment?.VIGIL_ROLES !== undefined);

  it('is valid YAML with PostgreSQL and four Vigil nodes built from the repository Dockerfile', () => {
    expect(doc.errors).to.deep.equal([]);
    expect(compose.services.postgres).to.include({ image: 'postgres:15' });
    expect(nodes.map(([name]) => name).sort()).to.deep.equal(['api', 'receiver-1', 'receiver-2', 'worker']);
    for (const [name, service] of nodes) {
      const context = path.resolve(path.dirname(COMPOSE), service.build!.context);
      expect(fs.existsSync(path.join(context, service.build!.dockerfile)), `${name}: the Dockerfile`).to.equal(true);
      expect(context, name).to.equal(ROOT);
    }
  });

  it("gives every node roles and variables the node's config accepts", () => {
    const accepted = new Set<string>([...ENV_OVERRIDES.map((o) => o.env), ...READ_ELSEWHERE]);
    for (const [name, service] of nodes) {
      const env = service.environment!;
      for (const key of Object.keys(env).filter((k) => k.startsWith('VIGIL_'))) expect(accepted.has(key), `${name}: ${key}`).to.equal(true);
      // The shipped config (the image's config/vigil.yaml) with this service's environment, as at start.
      const { config } = loadConfig({ env: { ...env, VIGIL_CONFIG: path.join(ROOT, 'config/vigil.yaml') }, cwd: ROOT });
      expect(config.node.roles, name).to.deep.equal(env.VIGIL_ROLES!.split(','));
      expect(config.dataDir, `${name}: the shared volume`).to.equal('/app/data');
    }
  });

  it('runs each role somewhere, the scheduler on exactly one node, two receivers; all on one data volume', () => {
    const roles = nodes.map(([, s]) => s.environment!.VIGIL_ROLES!.split(','));
    expect([...new Set(roles.flat())].sort()).to.deep.equal([...NODE_ROLES].sort());
    expect(roles.filter((r) => r.includes('scheduler'))).to.have.length(1);
    expect(roles.filter((r) => r.includes('dicom'))).to.have.length(2);
    for (const [name, service] of nodes) expect(service.volumes, name).to.include('vigil-data:/app/data');
    expect(compose.volumes).to.have.keys('vigil-data', 'vigil-postgres');
    const published = nodes.flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${p}`));
    expect(published.sort()).to.deep.equal(['api 127.0.0.1:8042:8042', 'receiver-1 11112:11112', 'receiver-2 11113:11112']);
  });
});
