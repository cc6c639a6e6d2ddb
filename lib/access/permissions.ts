import type { Role } from "./roles";

/**
 * The single table of who may do what (docs/architecture.md, "Roles"). Services call authorize() with one of these;
 * nothing else in the code base decides access by role.
 */
export const permissions = {
  "area.patient": ["patient"],
  "area.clinician": ["clinician"],
  "area.auditor": ["auditor"],
  "area.admin": ["admin"],

  "self.record.read": ["patient"],
  "self.consent.manage": ["patient"],
  "self.export": ["patient"],
  "self.requests.manage": ["patient"],
  "self.accessLog.read": ["patient"],

  "patients.list": ["clinician"],
  "patients.search": ["clinician"],
  "chart.read": ["clinician"],
  "chart.write": ["clinician"],
  "breakGlass.use": ["clinician"],

  "audit.read": ["auditor"],
  "audit.export": ["auditor"],
  "audit.verify": ["auditor"],
  "alerts.review": ["auditor"],
  "breakGlass.review": ["auditor"],
  // The incident register (issue 11): admins and auditors keep it; affected patients appear as pseudonyms.
  "incidents.read": ["auditor", "admin"],
  "incidents.manage": ["auditor", "admin"],
  // The privacy office's notification letters: the one place the register decrypts PHI (names, addresses).
  // HIPAA 164.404(c): the letter must reach the individual, so someone must read the address; an administrator
  // does, per letter, audited with the patient's pseudonym. No other admin or auditor permission reads PHI.
  "incidents.letters": ["admin"],

  "users.manage": ["admin"],
  "careTeams.manage": ["admin"],
  "retention.manage": ["admin"],
  "erasure.manage": ["admin"],
  "keys.manage": ["admin"],
  "backups.manage": ["admin"],
  "dataMap.manage": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
