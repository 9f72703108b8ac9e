import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readManifest } from '../../triage/manifest-file.js';
import { preprocessSeries } from '../../triage/pipeline/preprocess.js';

/** `vigil triage …`: offline tools around the triage pipeline (no node needs to run). */
export function registerTriage(program: Command): void {
  const triage = program.command('triage').description('model pack tools');
  triage
    .command('preprocess')
    .description("turn one series (files or folders) into the model's input tensor: OUT (float32 LE) and OUT.json")
    .requiredOption('--manifest <file>', 'the model pack manifest.json')
    .requiredOption('--out <file>', 'where to write the tensor, e.g. case.f32')
    .argument('<paths...>', 'DICOM files or folders of one series')
    .action(async (paths: string[], opts: { manifest: string; out: string }) => {
      const manifest = readManifest(opts.manifest);
      const files = paths.flatMap(listFiles).sort();
      const result = await preprocessSeries(files, manifest);
      fs.writeFileSync(opts.out, new Uint8Array(result.tensor.buffer, result.tensor.byteOffset, result.tensor.byteLength));
      const description = {
        shape: result.shape,
        layout: manifest.input.layout,
        dtype: 'float32',
        geometry: result.geometry,
        sources: result.sources.map((s) => ({ ...s, path: files[s.file] })),
        sliceSources: result.sliceSources,
        timings: result.timings,
      };
      fs.writeFileSync(`${opts.out.replace(/\.f32$/, '')}.json`, `${JSON.stringify(description, null, 2)}\n`);
      process.stdout.write(`${opts.out}: ${result.shape.join('×')} float32 from ${result.sources.length} images\n`);
    });
}

function listFiles(p: string): string[] {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return [p];
  return fs.readdirSync(p, { withFileTypes: true }).flatMap((e) => listFiles(path.join(p, e.name)));
}
