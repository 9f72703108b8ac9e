/**
 * HL7 v2 DTM values (YYYYMMDDHHMMSS+ZZZZ). We always write UTC with an explicit offset so a
 * receiver in another time zone cannot misread the time of a finding.
 */
export function hl7DateTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`
  );
}
