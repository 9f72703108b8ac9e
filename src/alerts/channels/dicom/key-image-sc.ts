import { StorageSopClass } from '../../../dicom/data/uids.js';
import { decodePng } from '../../../triage/png.js';
import type { AlertContext } from '../../context.js';
import type { Alert } from '../../model.js';
import { instanceNumberAt, keyImageReference, resultAttributes } from './result-attributes.js';
import { resultUids } from './result-uids.js';

const SC_SERIES_NUMBER = 9902;

/**
 * The key image with the model's heat map, as a Secondary Capture (RGB) the PACS shows beside
 * the study: what the radiologist sees on the worklist page, in the viewer they read with.
 */
export function buildKeyImageSc(alert: Alert, context: AlertContext, png: Buffer): Record<string, unknown> {
  const f = alert.finding;
  const { width, height, rgb } = decodePng(png);
  return {
    ...resultAttributes({
      context,
      sopClassUid: StorageSopClass.SecondaryCapture,
      sopInstanceUid: resultUids.sc(alert.id),
      seriesInstanceUid: resultUids.scSeries(alert.resultId),
      modality: 'OT',
      seriesNumber: SC_SERIES_NUMBER,
      seriesDescription: 'AI triage key images (Vigil, demonstrator)',
      instanceNumber: instanceNumberAt(f.createdAt),
      contentAt: f.createdAt,
    }),
    ConversionType: 'WSD',
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: `AI triage heat map of model ${f.modelId} ${f.modelVersion} over its key image (demonstrator, not a diagnosis)`.slice(0, 1024),
    // The heat map is colour only: no text, no patient data, burned into the pixels.
    BurnedInAnnotation: 'NO',
    PatientOrientation: '',
    // Type 2C (paired body parts): the key image's side is not known here, so empty.
    Laterality: '',
    ...(context.keyInstance && {
      SourceImageSequence: [keyImageReference(context.keyInstance)],
    }),
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: height,
    Columns: width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [evenLength(rgb)],
    _vrMap: { PixelData: 'OB' },
  };
}

/** Values have an even length (PS3.5 7.1.1): an odd RGB buffer gets one zero byte more. */
function evenLength(rgb: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(rgb.length + (rgb.length % 2));
  out.set(rgb);
  return out.buffer;
}
