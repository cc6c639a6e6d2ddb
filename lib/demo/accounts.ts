import { createHash } from "node:crypto";
import type { Role } from "@/lib/access/roles";

/**
 * Demo accounts, published in the README. They are flagged is_demo and refused at sign-in in production,
 * and the seed refuses to run there, so these well-known credentials can never open a real deployment.
 */
export const DEMO_PASSWORD = "Custodia-demo-2026";

export interface DemoAccount {
  email: string;
  role: Role;
  displayName: string;
  totpSecret: string | null;
  team?: "North Clinic" | "South Clinic";
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Deterministic per account so the README can list them; 160 bits like any authenticator secret. */
export function demoTotpSecret(email: string): string {
  const bytes = createHash("sha256").update(`custodia-demo-totp|${email}`).digest().subarray(0, 20);
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  return (bits.match(/.{5}/g) ?? []).map((chunk) => BASE32[parseInt(chunk, 2)]).join("");
}

function staff(email: string, role: Role, displayName: string, team?: DemoAccount["team"]): DemoAccount {
  return { email, role, displayName, totpSecret: demoTotpSecret(email), ...(team ? { team } : {}) };
}

export const PATIENT_COUNT = 50;

export function patientEmail(n: number): string {
  return `patient${String(n).padStart(2, "0")}@custodia.test`;
}

/** Patient n's MRN and care team as the seed assigns them; the load benchmark searches the same MRNs. */
export function demoMrn(n: number): string {
  return `MRN-${String(100_000 + n * 7919).slice(-6)}`;
}

export function demoPatientTeam(n: number): NonNullable<DemoAccount["team"]> {
  return n <= PATIENT_COUNT / 2 ? "North Clinic" : "South Clinic";
}

export const staffAccounts: DemoAccount[] = [
  staff("admin@custodia.test", "admin", "Ada Admin"),
  staff("auditor1@custodia.test", "auditor", "Audrey Auditor"),
  staff("auditor2@custodia.test", "auditor", "Aurelio Auditor"),
  staff("clinician1@custodia.test", "clinician", "Dr. Chloe North", "North Clinic"),
  staff("clinician2@custodia.test", "clinician", "Dr. Caleb North", "North Clinic"),
  staff("clinician3@custodia.test", "clinician", "Nurse Nia North", "North Clinic"),
  staff("clinician4@custodia.test", "clinician", "Dr. Sam South", "South Clinic"),
  staff("clinician5@custodia.test", "clinician", "Dr. Sofia South", "South Clinic"),
  staff("clinician6@custodia.test", "clinician", "Nurse Seth South", "South Clinic"),
  // Not enrolled in TOTP: shows the first-sign-in enrolment flow.
  { email: "newhire@custodia.test", role: "clinician", displayName: "Dr. Nova Newhire", totpSecret: null },
];

/** patient01 has opted into TOTP; the other patients sign in with a password only. */
export function patientTotpSecret(n: number): string | null {
  return n === 1 ? demoTotpSecret(patientEmail(n)) : null;
}

export function demoAccount(email: string): DemoAccount | undefined {
  const match = /^patient(\d{2})@custodia\.test$/.exec(email);
  if (match) {
    const n = Number(match[1]);
    if (n < 1 || n > PATIENT_COUNT) return undefined;
    return { email, role: "patient", displayName: `Patient ${n}`, totpSecret: patientTotpSecret(n) };
  }
  return staffAccounts.find((a) => a.email === email);
}
