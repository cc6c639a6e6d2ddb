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
  // A clinician registers a new patient into one of their own care teams and invites them to the portal.
  "patients.register": ["clinician"],
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
  // The periodic access review (HIPAA 164.308(a)(3)-(4)): every account, its role, teams, MFA and last sign-in.
  "accessReview.read": ["auditor", "admin"],
  "incidents.manage": ["auditor", "admin"],
  // The privacy office's notification letters: the one place the register decrypts PHI (names, addresses).
  // HIPAA 164.404(c): the letter must reach the individual, so someone must read the address; an administrator
  // does, per letter, audited with the patient's pseudonym. No other admin or auditor permission reads PHI.
  "incidents.letters": ["admin"],

  "users.manage": ["admin"],
  "careTeams.manage": ["admin"],
  // A clinician adds a patient they already see through a care team to another of their own teams.
  "careTeams.assignOwn": ["clinician"],
  "retention.manage": ["admin"],
  "jobs.read": ["admin", "auditor"],
  "erasure.manage": ["admin"],
  "keys.manage": ["admin"],
  "backups.manage": ["admin"],
  "dataMap.read": ["admin", "auditor"],
  "processors.read": ["admin", "auditor"],
  "processors.manage": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}
