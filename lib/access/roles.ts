import { z } from "zod";

export const roleSchema = z.enum(["patient", "clinician", "auditor", "admin"]);
export type Role = z.infer<typeof roleSchema>;
export const roles = roleSchema.options;

/** Staff roles must enrol TOTP before they reach any page (HIPAA 164.312(d) person authentication). */
export function mfaRequired(role: Role): boolean {
  return role !== "patient";
}

export const roleHome: Record<Role, string> = {
  patient: "/patient",
  clinician: "/clinician",
  auditor: "/auditor",
  admin: "/admin",
};

export const roleLabel: Record<Role, string> = {
  patient: "Patient",
  clinician: "Clinician",
  auditor: "Auditor",
  admin: "Administrator",
};
