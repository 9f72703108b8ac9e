/** Why retention removes a study. Its own file: retention and its metrics both name it, and neither imports the other's way back. */
export const RETENTION_REASONS = ['age', 'size'] as const;
export type RetentionReason = (typeof RETENTION_REASONS)[number];
