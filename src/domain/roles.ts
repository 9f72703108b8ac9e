/**
 * Who may call the API. A token has exactly one role; `admin` may do everything, the others
 * are scoped to a job (see the table in src/auth/allow.ts for what each one reaches).
 */
export const ROLES = ['admin', 'it', 'radiologist', 'service'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  admin: 'everything, including deletion and the audit trail',
  it: 'configuration, rules, models, plugins, destinations and node health; no patient data',
  radiologist: 'worklist, studies, findings, acknowledgements and feedback',
  service: 'machine clients such as a RIS: study look-up, the change feed, metrics',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
