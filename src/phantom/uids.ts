import crypto from 'node:crypto';

/**
 * Deterministic UIDs under the 2.25 (UUID-derived) arc: the same phantom always gets the same
 * UIDs, and different phantoms never share one. 2.25 + a 128-bit decimal stays ≤ 64 characters.
 */
export function phantomUid(...parts: (string | number)[]): string {
  const hex = crypto.createHash('sha256').update(['vigil-phantom', ...parts].join('/')).digest('hex').slice(0, 32);
  // A UUID-derived value: clear the top bit so the decimal stays within 39 digits.
  const value = BigInt(`0x${hex}`) & ((1n << 127n) - 1n);
  return `2.25.${value.toString()}`;
}
