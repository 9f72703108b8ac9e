import fs from 'node:fs';
import { VigilError } from '../../core/errors.js';
import { decodeFrame, initCodecs } from '../../triage/pipeline/decode.js';
import { isNative, readImages } from '../../triage/pipeline/dataset.js';
import { renderKeyImage } from '../../triage/key-image.js';

/**
 * One frame of a stored instance as a PNG (WADO-RS rendered and thumbnail, PS3.18 9.5), drawn by
 * the key-image renderer without a map: the modality LUT, the instance's first window (else its
 * own range), MONOCHROME1 inverted, scaled down to `maxSide`. Grayscale images only.
 */
export async function renderFramePng(file: string, frame: number, maxSide: number): Promise<Buffer> {
  const images = readImages(fs.readFileSync(file), 0);
  if (images.length === 0) throw new VigilError('NOT_FOUND', 'the instance has no pixel data to render');
  const image = images[frame - 1];
  if (!image) throw new VigilError('NOT_FOUND', `frame ${frame} does not exist: the instance has ${images.length}`);
  if (image.format.samplesPerPixel !== 1) throw new VigilError('DICOMWEB_NOT_ACCEPTABLE', 'only grayscale images are rendered; retrieve the instance instead');
  if (!isNative(image.format.transferSyntaxUid)) await initCodecs();
  const pixels = decodeFrame(image);
  const { rows, columns } = image.format;
  const { png } = renderKeyImage({
    pixels,
    rows,
    columns,
    rescale: image,
    window: image.voi.windows[0] ?? null,
    invert: image.format.photometric === 'MONOCHROME1',
    // No localisation map: a single zero, below the floor that draws one.
    map: new Float32Array(1),
    mapRows: 1,
    mapColumns: 1,
    mapMax: 0,
    columnOrigin: 0,
    rowOrigin: 0,
    columnStep: columns,
    rowStep: rows,
    gridRows: 1,
    gridColumns: 1,
    maxSide,
  });
  return png;
}
