import dcmjs from 'dcmjs';

const QUERY_RETRIEVE_LEVEL = '00080052';

/**
 * A match answered in dcmjs's naturalized form, as the DICOM JSON model (PS3.18 F.2): tags as
 * keys, an attribute without a value carries its VR only.
 */
export function toQidoJson(naturalized: Record<string, unknown>): Record<string, unknown> {
  const dict = (
    dcmjs.data.DicomMetaDictionary as unknown as { denaturalizeDataset(d: unknown): Record<string, { vr: string; Value?: unknown[] }> }
  ).denaturalizeDataset(naturalized);
  const out: Record<string, unknown> = {};
  for (const tag of Object.keys(dict).sort()) {
    if (tag === QUERY_RETRIEVE_LEVEL) continue;
    const { vr, Value } = dict[tag]!;
    // DICOM JSON gives IS and DS as numbers (PS3.18 F.2.3); dcmjs leaves them as it found them.
    const values = (Value ?? [])
      .filter((v) => v !== '' && v !== undefined && v !== null)
      .map((v) => ((vr === 'IS' || vr === 'DS') && typeof v === 'string' && Number.isFinite(Number(v)) ? Number(v) : v));
    out[tag] = values.length > 0 ? { vr, Value: values } : { vr };
  }
  return out;
}
