import { StorageSopClass } from '../../../../dicom/data/uids.js';
import { mapOnImage, type Localisation } from '../../../../triage/localisation.js';
import { dicomCode } from '../../../coding.js';
import type { AlertContext } from '../../../context.js';
import type { SegmentationType } from '../../../../config/sections/alerts.js';
import type { Alert } from '../../../model.js';
import { instanceNumberAt, resultAttributes } from '../result-attributes.js';
import { resultUids } from '../result-uids.js';
import { AIR_CODES, AIR_SERIES } from './air-codes.js';
import { cellsInSegment, packBits } from './segment-pixels.js';
import { yieldToEventLoop, type SourceSlice } from './source-slices.js';

type Item = Record<string, unknown>;

const REFERENCED_SEGMENT_NUMBER = 0x0062000b;
const SEGMENT_IDENTIFICATION_SEQUENCE = 0x0062000a;
const IMAGE_POSITION_PATIENT = 0x00200032;
const PLANE_POSITION_SEQUENCE = 0x00209113;
/** Red, as CIELab scaled to 0..65535 (PS3.3 C.10.7.1.1): the colour a viewer gives the segment. */
const RED_CIELAB = [34891, 53479, 50167];
const MAX_FRACTION = 255;
/** A resampled binary cell map is in the segment from half-way between an in cell and an out one. */
const HALF_WAY = 128;

/**
 * The model's localisation map as a DICOM Segmentation, of one of two kinds (the destination's
 * `segmentation`):
 * - BINARY (the default): the region where the model's local score reaches its operating
 *   threshold. A map cell is in when its value reaches `finding.threshold` (the map and the
 *   probability are in one calibrated space: see cellsInSegment); the cells in or out are then
 *   laid on each source image, a pixel in when it is nearer an in cell than an out one (the
 *   resampled 0/1 map reaches one half). 1 bit a pixel. What viewers draw (OHIF 3.13 refuses
 *   fractional SEGs).
 * - FRACTIONAL with PROBABILITY: each pixel says 0..255 how strongly the map points there, for
 *   PACS and AI consumers that take probabilities.
 * Either way a map, not a delineation: the Segment Description says which. A negative finding
 * raises no alert, so it has no SEG at all. A Parametric Map would carry the values too but PACS
 * and viewers show SEGs far more widely. One frame per source image the map covers and is not
 * nothing on, on that image's own grid (rows, columns, position, orientation, spacing: per slice
 * for CT, one frame for a radiograph), each naming its source image (Derivation Image Sequence)
 * and placed where it is (Plane Position), so a viewer lays it over the series it came from.
 * Built here rather than with dcmjs's derivation tools: those need every source data set in
 * memory with its pixels. The frames are resampled one per turn of the event loop (a 512² frame
 * is a few milliseconds, a whole CTPA seconds): C-STOREs arriving meanwhile are not held up.
 */
export async function buildSegmentation(
  alert: Alert,
  context: AlertContext,
  loc: Localisation,
  map: Float32Array,
  all: SourceSlice[],
  type: SegmentationType,
): Promise<Item | null> {
  const f = alert.finding;
  const first = all[0];
  if (!first) return null;
  // One Rows × Columns per SEG: the images of another size (a scout, say) are left out.
  const sameSize = all.filter((s) => s.rows === first.rows && s.columns === first.columns);
  const placed =
    sameSize.every((s) => s.position && s.orientation && s.pixelSpacing && s.frameOfReferenceUid === first.frameOfReferenceUid) &&
    first.frameOfReferenceUid !== null;
  const spacing = placed ? sliceSpacing(sameSize) : null;
  const binary = type === 'binary';
  const cells = binary ? { loc: { ...loc, scale: 1 }, map: cellsInSegment(loc, map, f.threshold) } : { loc, map };
  // A slice where the segment is empty (every pixel 0) has no frame, as PS3.3 allows: a focal
  // finding's SEG carries the slices it is on, not the whole series.
  const slices: SourceSlice[] = [];
  const frames: Uint8Array[] = [];
  for (const s of sameSize) {
    const resampled = mapOnImage(cells.loc, cells.map, s.image, s.rows, s.columns);
    const frame = binary ? resampled.map((v) => (v >= HALF_WAY ? 1 : 0)) : resampled;
    if (frame.some((v) => v > 0)) {
      slices.push(s);
      frames.push(frame);
    }
    await yieldToEventLoop();
  }
  if (slices.length === 0) return null;
  const frameSize = first.rows * first.columns;
  const pixels = binary ? packBits(frames, frameSize) : fractionalPixels(frames, frameSize);

  const segment: Item = {
    SegmentNumber: 1,
    SegmentLabel: `${f.concept.display} (AI)`.slice(0, 64),
    SegmentDescription: (binary
      ? `Region where the local score of model ${f.modelId} ${f.modelVersion} reaches its operating threshold ${f.threshold}: where its result points, not a delineation`
      : `Localisation map of model ${f.modelId} ${f.modelVersion} as probabilities: where its result points, not a delineation`
    ).slice(0, 1024),
    SegmentedPropertyCategoryCodeSequence: [AIR_CODES.morphologicallyAlteredStructure],
    SegmentedPropertyTypeCodeSequence: [dicomCode(f.concept)],
    ...(f.findingSite && { AnatomicRegionSequence: [dicomCode(f.findingSite)] }),
    SegmentAlgorithmType: 'AUTOMATIC',
    SegmentAlgorithmName: `${f.modelId} ${f.modelVersion}`.slice(0, 64),
    RecommendedDisplayCIELabValue: RED_CIELAB,
  };
  const dimensions = resultUids.segDimensions(alert.id, type);
  const series = binary ? AIR_SERIES.seg : AIR_SERIES.segFractional;
  const orientation = placed ? first.orientation!.flat() : null;
  return {
    ...resultAttributes({
      context,
      sopClassUid: StorageSopClass.Segmentation,
      sopInstanceUid: resultUids.seg(alert.id, type),
      seriesInstanceUid: resultUids.segSeries(alert.resultId, type),
      modality: 'SEG',
      seriesNumber: series.number,
      seriesDescription: series.description,
      instanceNumber: instanceNumberAt(f.createdAt),
      contentAt: f.createdAt,
    }),
    ...(placed && { FrameOfReferenceUID: first.frameOfReferenceUid, PositionReferenceIndicator: '' }),
    // Type 2C without plane orientation (a radiograph): its orientation is not known here.
    ...(!placed && { PatientOrientation: '' }),
    DeviceSerialNumber: f.deviceUid,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: 'AI_MAP',
    ContentDescription: `AI localisation map, ${f.concept.display}`.slice(0, 64),
    ContentCreatorName: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: first.rows,
    Columns: first.columns,
    ...(binary
      ? { BitsAllocated: 1, BitsStored: 1, HighBit: 0, PixelRepresentation: 0, LossyImageCompression: '00', SegmentationType: 'BINARY' }
      : {
          BitsAllocated: 8,
          BitsStored: 8,
          HighBit: 7,
          PixelRepresentation: 0,
          LossyImageCompression: '00',
          SegmentationType: 'FRACTIONAL',
          SegmentationFractionalType: 'PROBABILITY',
          MaximumFractionalValue: MAX_FRACTION,
        }),
    SegmentSequence: [segment],
    NumberOfFrames: slices.length,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensions }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensions,
        DimensionIndexPointer: REFERENCED_SEGMENT_NUMBER,
        FunctionalGroupPointer: SEGMENT_IDENTIFICATION_SEQUENCE,
        DimensionDescriptionLabel: 'Segment Number',
      },
      ...(placed
        ? [
            {
              DimensionOrganizationUID: dimensions,
              DimensionIndexPointer: IMAGE_POSITION_PATIENT,
              FunctionalGroupPointer: PLANE_POSITION_SEQUENCE,
              DimensionDescriptionLabel: 'Image Position (Patient)',
            },
          ]
        : []),
    ],
    SharedFunctionalGroupsSequence: [
      {
        ...(placed && {
          PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }],
          PixelMeasuresSequence: [{ PixelSpacing: first.pixelSpacing, SliceThickness: first.sliceThickness ?? spacing ?? 1 }],
        }),
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }],
      },
    ],
    PerFrameFunctionalGroupsSequence: slices.map((s, k) => ({
      FrameContentSequence: [{ DimensionIndexValues: placed ? [1, k + 1] : [1] }],
      ...(placed && { PlanePositionSequence: [{ ImagePositionPatient: s.position }] }),
      DerivationImageSequence: [
        {
          SourceImageSequence: [{ ...sourceReference(s), PurposeOfReferenceCodeSequence: [AIR_CODES.sourceImageForProcessing] }],
          DerivationCodeSequence: [AIR_CODES.segmentation],
        },
      ],
    })),
    ReferencedSeriesSequence: referencedSeries(slices),
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
}

/** A FRACTIONAL segmentation's pixel data: one byte a pixel, the frames one after another, padded to an even length. */
function fractionalPixels(frames: Uint8Array[], frameSize: number): Uint8Array {
  const pixels = new Uint8Array(frameSize * frames.length + ((frameSize * frames.length) % 2));
  frames.forEach((frame, k) => pixels.set(frame, k * frameSize));
  return pixels;
}

function sourceReference(s: SourceSlice): Item {
  return {
    ReferencedSOPClassUID: s.sopClassUid,
    ReferencedSOPInstanceUID: s.sopInstanceUid,
    ...(s.frameNumber !== null && { ReferencedFrameNumber: s.frameNumber }),
  };
}

/** Common Instance Reference: every source instance, by series. */
function referencedSeries(slices: SourceSlice[]): Item[] {
  const bySeries = new Map<string, Map<string, string>>();
  for (const s of slices) {
    const instances = bySeries.get(s.seriesInstanceUid) ?? new Map<string, string>();
    instances.set(s.sopInstanceUid, s.sopClassUid);
    bySeries.set(s.seriesInstanceUid, instances);
  }
  return [...bySeries].map(([series, instances]) => ({
    SeriesInstanceUID: series,
    ReferencedInstanceSequence: [...instances].map(([sop, sopClass]) => ({ ReferencedSOPClassUID: sopClass, ReferencedSOPInstanceUID: sop })),
  }));
}

/** The distance between consecutive frames along the normal, when there are two or more; null otherwise. */
function sliceSpacing(slices: SourceSlice[]): number | null {
  if (slices.length < 2) return null;
  const [row, column] = slices[0]!.orientation!;
  const normal = [row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2], row[0] * column[1] - row[1] * column[0]];
  const along = (p: number[]) => p[0]! * normal[0]! + p[1]! * normal[1]! + p[2]! * normal[2]!;
  const gap = Math.abs(along(slices[1]!.position!) - along(slices[0]!.position!));
  return gap > 0 ? Number(gap.toFixed(4)) : null;
}
