import fs from 'node:fs';
import dcmjs from 'dcmjs';
import { readImages, type SourceImage, type Vec3 } from '../../../../triage/pipeline/dataset.js';
import type { Localisation, LocalisedImage } from '../../../../triage/localisation.js';

/** Where the node keeps an instance it indexed (null: gone from the index since the model ran). */
export type InstanceFile = (instanceId: string) => { sopClassUid: string; seriesInstanceUid: string; path: string } | null;

/** One source image a Segmentation frame is made on: its identity and the geometry the pipeline read. */
export interface SourceSlice {
  image: LocalisedImage;
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** 1-based frame inside a multi-frame instance; null for a single-frame image. */
  frameNumber: number | null;
  rows: number;
  columns: number;
  position: Vec3 | null;
  orientation: [Vec3, Vec3] | null;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  frameOfReferenceUid: string | null;
}

const FRAME_OF_REFERENCE_UID = '00200052';
const SLICE_THICKNESS = '00180050';

/**
 * The source images a localisation map lies on, read from the node's own store with the
 * pipeline's reader (so classic and enhanced objects give the same geometry triage used). An
 * image no longer held is left out; a Segmentation of the rest is still true. Gives the event
 * loop back between files: a CTPA is a few hundred of them, and the node is receiving meanwhile.
 */
export async function sourceSlices(loc: Localisation, instanceFile: InstanceFile): Promise<SourceSlice[]> {
  const byInstance = new Map<
    string,
    { file: NonNullable<ReturnType<InstanceFile>>; images: SourceImage[]; header: { frameOfReferenceUid: string | null; sliceThickness: number | null } } | null
  >();
  const out: SourceSlice[] = [];
  for (const image of loc.images) {
    if (!image.instanceId) continue;
    let read = byInstance.get(image.instanceId);
    if (read === undefined) {
      const file = instanceFile(image.instanceId);
      read = file && fs.existsSync(file.path) ? readSource(file) : null;
      byInstance.set(image.instanceId, read);
      await yieldToEventLoop();
    }
    const source = read?.images[image.frame];
    if (!read || !source) continue;
    out.push({
      image,
      sopClassUid: read.file.sopClassUid,
      sopInstanceUid: source.sopInstanceUid,
      seriesInstanceUid: read.file.seriesInstanceUid,
      frameNumber: read.images.length > 1 ? image.frame + 1 : null,
      rows: source.format.rows,
      columns: source.format.columns,
      position: source.position,
      orientation: source.orientation,
      pixelSpacing: source.pixelSpacing,
      ...read.header,
    });
  }
  return out;
}

function readSource(file: NonNullable<ReturnType<InstanceFile>>) {
  const bytes = fs.readFileSync(file.path);
  const images = readImages(bytes, 0);
  const header = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), { untilTag: '7FE00010' }).dict;
  const value = (tag: string): unknown => header[tag]?.Value?.[0];
  const thickness = Number(value(SLICE_THICKNESS));
  const frameOfReference = value(FRAME_OF_REFERENCE_UID);
  return {
    file,
    images,
    header: {
      frameOfReferenceUid: typeof frameOfReference === 'string' && frameOfReference !== '' ? frameOfReference : null,
      sliceThickness: Number.isFinite(thickness) && thickness > 0 ? thickness : null,
    },
  };
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
