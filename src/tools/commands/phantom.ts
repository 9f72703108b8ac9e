import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { NOISE_LEVELS, PHANTOM_FINDINGS, PHANTOM_KINDS, SIZE_BINS } from '../phantom/label.js';
import { type PhantomOptions, writePhantom } from '../phantom/phantom.js';

/** `vigil phantom`: synthetic studies with a ground-truth label, for tests, demos and training. */
export function registerPhantom(program: Command): void {
  program
    .command('phantom')
    .description('write a synthetic DICOM study (head CT, CTPA or chest radiograph) and its label.json')
    .addOption(new Option('--kind <kind>', 'what to image').choices(PHANTOM_KINDS).makeOptionMandatory())
    .addOption(new Option('--finding <finding>', 'the finding to draw').choices(PHANTOM_FINDINGS).default('none'))
    .option('--seed <n>', 'seed: the same seed always gives the same study', integer, 1)
    .requiredOption('--out <dir>', 'folder to write into (with --count, one sub-folder per study)')
    .option('--count <n>', 'write n studies with seeds seed, seed+1, ...', integer, 1)
    .option('--vendor <id>', 'scanner style (CT: alpha|beta|gamma|delta; radiograph: alpha|beta|gamma|delta)')
    .option('--thickness <mm>', 'CT slice thickness in mm (0.625 to 5)', positiveNumber)
    .option(
      '--matrix <n>',
      'CT matrix (default 512), or radiograph scale-down factor, for fast tests (a scaled-down radiograph is processed unlike a full-size one)',
      integer,
    )
    .addOption(new Option('--noise <level>', 'noise level').choices(NOISE_LEVELS))
    .addOption(new Option('--size <bin>', 'size of the finding').choices(SIZE_BINS))
    .option('--type <type>', 'subtype of the finding (e.g. subdural, segmental, apical)')
    .option('--arrays', 'also write training arrays (volume.npy in HU, mask.npy of the finding)')
    .action(
      (o: {
        kind: PhantomOptions['kind'];
        finding: PhantomOptions['finding'];
        seed: number;
        out: string;
        count: number;
        vendor?: string;
        thickness?: number;
        matrix?: number;
        noise?: PhantomOptions['noise'];
        size?: PhantomOptions['size'];
        type?: string;
        arrays?: boolean;
      }) => {
        for (let i = 0; i < o.count; i++) {
          const seed = o.seed + i;
          const dir = o.count === 1 ? o.out : path.join(o.out, `${o.kind}-${o.finding}-${String(seed).padStart(6, '0')}`);
          const { label, files } = writePhantom(
            {
              kind: o.kind,
              finding: o.finding,
              seed,
              vendor: o.vendor,
              sliceThicknessMm: o.thickness,
              matrix: o.matrix,
              noise: o.noise,
              size: o.size,
              type: o.type,
            },
            dir,
            { arrays: o.arrays },
          );
          const what = label.positive ? `${label.type} ${label.size?.bin ?? ''} (${label.location?.side ?? ''} ${label.location?.region ?? ''})` : 'no finding';
          process.stdout.write(`${dir}: ${files.length} file(s), ${what}, vendor ${label.subgroup.vendor}\n`);
        }
      },
    );
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}
