/**
 * The source AE title of the result objects the node stores itself (its AI Results: SR, SEG,
 * KOS, SC), through the same path a C-STORE takes so that completeness, the index and DICOMweb
 * see them. Routing never sends such a series to a model or a forward: a model's output must
 * not become another model's input (no loops).
 */
export const OWN_RESULTS_AE_TITLE = 'VIGIL-RESULTS';

/** Every instance of the series came from the node's own results. */
export function isOwnResultSeries(callingAeTitles: readonly string[] | undefined): boolean {
  return callingAeTitles !== undefined && callingAeTitles.length > 0 && callingAeTitles.every((ae) => ae === OWN_RESULTS_AE_TITLE);
}
