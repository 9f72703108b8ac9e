import type { Db } from '../db/database.js';
import { jsonArrayElements } from '../db/dialect.js';
import type { MainTags } from '../domain/header-summary.js';

/**
 * Where the key image sits, so a radiologist can find it in the viewer they read with: the
 * series and image numbers the scanner gave (what PACS viewers show), the frame of a
 * multi-frame instance, its place in the series as the model ordered it, and the table
 * position. Every part may be unknown (null): the page says only what is known.
 */
export interface KeyImagePlace {
  seriesNumber: number | null;
  seriesDescription: string | null;
  /** InstanceNumber (0020,0013): the "image" number of viewers. */
  instanceNumber: number | null;
  /** 1-based frame inside a multi-frame instance; null for a single-frame one. */
  frame: number | null;
  frames: number | null;
  /** 1-based place among the series' images sorted along the slice normal (the model's order). */
  slice: number | null;
  /** Images of the series in the index. */
  seriesImages: number | null;
  /** SliceLocation when the scanner wrote it, else the z of an axial image's position; mm. */
  location: { mm: number; from: 'SliceLocation' | 'ImagePositionPatient' } | null;
}

interface InstanceRow {
  id: string;
  instance_number: number | null;
  main_tags: string;
  series_tags: string;
  series_images: number;
}

/** The key instances of a page of findings, read in one query (ids bound as a JSON array). */
export function keyInstances(db: Db, instanceIds: readonly string[]): Map<string, InstanceRow> {
  if (instanceIds.length === 0) return new Map();
  const rows = db
    .prepare<[string], InstanceRow>(
      `SELECT i.id, i.instance_number, i.main_tags, se.main_tags AS series_tags,
         (SELECT COUNT(*) FROM instances x WHERE x.series_ref = i.series_ref) AS series_images
       FROM instances i JOIN series se ON se.id = i.series_ref
       WHERE i.id IN (${jsonArrayElements(db)})`,
    )
    .all(JSON.stringify([...new Set(instanceIds)]));
  return new Map(rows.map((r) => [r.id, r]));
}

/** The place of a finding's key image; null when the finding names none. */
export function keyImagePlace(
  finding: { keyInstanceId: string | null; keySliceIndex: number | null; keyFrameNumber: number | null },
  instance: InstanceRow | undefined,
): KeyImagePlace | null {
  if (finding.keyInstanceId === null) return null;
  const tags = instance ? (JSON.parse(instance.main_tags) as MainTags) : {};
  const series = instance ? (JSON.parse(instance.series_tags) as MainTags) : {};
  const frames = integer(tags.NumberOfFrames);
  const multiFrame = frames !== null && frames > 1;
  return {
    seriesNumber: integer(series.SeriesNumber),
    seriesDescription: series.SeriesDescription || null,
    instanceNumber: instance?.instance_number ?? integer(tags.InstanceNumber),
    frame: multiFrame ? finding.keyFrameNumber : null,
    frames: multiFrame ? frames : null,
    slice: finding.keySliceIndex === null ? null : finding.keySliceIndex + 1,
    seriesImages: instance?.series_images ?? null,
    // A multi-frame instance's position is per frame (functional groups), not in these tags.
    location: multiFrame ? null : locationOf(tags),
  };
}

function locationOf(tags: MainTags): KeyImagePlace['location'] {
  const sliceLocation = decimal(tags.SliceLocation);
  if (sliceLocation !== null) return { mm: sliceLocation, from: 'SliceLocation' };
  const position = numbers(tags.ImagePositionPatient, 3);
  const orientation = numbers(tags.ImageOrientationPatient, 6);
  if (!position || !orientation) return null;
  // z locates a slice only when the slice is (nearly) axial: its normal along the patient's z.
  const [r1, r2, , c1, c2] = orientation as [number, number, number, number, number, number];
  const normalZ = r1 * c2 - r2 * c1;
  return Math.abs(normalZ) > 0.9 ? { mm: position[2]!, from: 'ImagePositionPatient' } : null;
}

function integer(value: string | undefined): number | null {
  const n = decimal(value);
  return n !== null && Number.isInteger(n) ? n : null;
}

function decimal(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function numbers(value: string | undefined, count: number): number[] | null {
  const parts = (value ?? '').split('\\').map((v) => decimal(v));
  return parts.length === count && parts.every((n) => n !== null) ? parts : null;
}
