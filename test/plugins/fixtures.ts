import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes plugins into a folder outside the project, as a hospital would: each imports the SDK
 * as 'vigil/sdk' and is TypeScript loaded at run time.
 */
export function writePlugin(folder: string, id: string, source: string): void {
  fs.mkdirSync(path.join(folder, id), { recursive: true });
  fs.writeFileSync(path.join(folder, id, 'index.ts'), source);
}

/** A plugin whose onSeriesStable does `body`, with a route that tells what it saw. */
export function eventPlugin(id: string, body: string, extra = ''): string {
  return `
import { definePlugin, allowUnaudited } from 'vigil/sdk';
import type { SeriesStableEvent } from 'vigil/sdk';

const seen: string[] = [];

export default definePlugin({
  id: '${id}',
  version: '1.2.3',
  coreRange: '>=0.1.0',
  ${extra}
  hooks: {
    async onSeriesStable(event: SeriesStableEvent, ctx, call) {
      ${body}
      seen.push(event.seriesId);
    },
    routes(router) {
      router.get('/seen', allowUnaudited('it'), (_req, res) => res.json(seen));
    },
  },
});
`;
}

export function definition(fields: string): string {
  return `
import { definePlugin, z } from 'vigil/sdk';
export default definePlugin({ ${fields} });
`;
}
