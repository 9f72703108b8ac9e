import fs from 'node:fs/promises';
import path from 'node:path';
import type { DicomDict } from 'dcmjs';
import { readHeader } from '../dicom/data/header.js';
import { parseAttributeRef, type AttributeRef } from './attributes.js';
import { lookup, type SeriesFacts } from './facts.js';
import { buildSeriesFacts, representativeIndex, type InstanceFacts } from './series-facts.js';

/**
 * Series made from headers the caller holds rather than from the index: files on disk (the CLI's
 * explain) or one uploaded header (POST /rules/test). Files are grouped by SeriesInstanceUID and
 * each group is evaluated as a stored series would be.
 */
export interface HeaderSeries {
  seriesInstanceUid: string;
  files: string[];
  facts: SeriesFacts;
}

const ref = (keyword: string) => parseAttributeRef(keyword) as AttributeRef;
const SERIES_UID = ref('SeriesInstanceUID');
const INSTANCE_NUMBER = ref('InstanceNumber');
const IMAGE_TYPE = ref('ImageType');
const MAX_FILES = 10_000;

/** `dict` is a DicomDict as dcmjs reads it; facts are read from whatever it holds. */
export function instanceFactsOf(dict: unknown): InstanceFacts {
  const series: SeriesFacts = { header: dict, facts: {} };
  const number = lookup(series, INSTANCE_NUMBER);
  const types = lookup(series, IMAGE_TYPE);
  return {
    instanceNumber: number.kind === 'values' ? (number.values[0]!.number ?? null) : null,
    imageType: types.kind === 'values' ? types.values.map((v) => v.text) : undefined,
    callingAeTitle: undefined,
  };
}

/** One header as a series of one instance. */
export function seriesOfOneHeader(dict: unknown, calledAeTitle?: string): SeriesFacts {
  return buildSeriesFacts({ header: dict, instances: [instanceFactsOf(dict)], calledAeTitle });
}

/** Reads every DICOM file under the given paths (folders recursively); the rest is reported. */
export async function seriesFromPaths(paths: readonly string[]): Promise<{ series: HeaderSeries[]; skipped: { file: string; reason: string }[] }> {
  const files = (await Promise.all(paths.map(listFiles))).flat();
  const skipped: { file: string; reason: string }[] = [];
  const groups = new Map<string, { files: string[]; dicts: DicomDict[] }>();
  for (const file of files.slice(0, MAX_FILES)) {
    try {
      const { dict } = await readHeader(file);
      const uid = lookup({ header: dict, facts: {} }, SERIES_UID);
      const key = uid.kind === 'values' ? uid.values[0]!.text : '(no SeriesInstanceUID)';
      const group = groups.get(key) ?? { files: [], dicts: [] };
      group.files.push(file);
      group.dicts.push(dict);
      groups.set(key, group);
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message });
    }
  }
  if (files.length > MAX_FILES) skipped.push({ file: `${files.length - MAX_FILES} more files`, reason: `only the first ${MAX_FILES} files are read` });
  const series = [...groups].map(([seriesInstanceUid, group]) => {
    const instances = group.dicts.map(instanceFactsOf);
    const header = group.dicts[representativeIndex(instances)];
    return { seriesInstanceUid, files: group.files, facts: buildSeriesFacts({ header, instances, calledAeTitle: undefined }) };
  });
  return { series, skipped };
}

async function listFiles(p: string): Promise<string[]> {
  const stat = await fs.stat(p);
  if (!stat.isDirectory()) return [p];
  const entries = await fs.readdir(p, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
