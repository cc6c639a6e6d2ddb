import { randomUUID } from "node:crypto";
import { noRequest, type Actor, type RequestMeta } from "@/lib/access/actor";
import type { Role } from "@/lib/access/roles";
import { newTotpSecret } from "@/lib/auth/totp";
import { withSystem } from "@/lib/db/transaction";
import { addCareTeamMember, assignPatientToTeam, createCareTeam } from "@/lib/services/care-teams";
import { registerPatient } from "@/lib/services/patients";
import { createUser } from "@/lib/services/users";
import type { PatientIdentityInput } from "@/lib/validation/patient";

export const PASSWORD = "correct horse battery staple";

/** An erasure request as the patient's form sends it: confirmed, with the account's password again. */
export const confirmedErasure = { kind: "erasure", confirmed: "yes", password: PASSWORD } as const;

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  totpSecret: string | null;
  patientId: string | null;
}

export function request(ip = "203.0.113.7"): RequestMeta {
  return { ip, userAgent: "vitest", requestId: randomUUID() };
}

let counter = 0;
export function uniqueMrn(): string {
  counter += 1;
  return `T${process.pid}-${counter}`.slice(0, 20);
}

export function identity(overrides: Partial<PatientIdentityInput> = {}): PatientIdentityInput {
  return {
    givenName: "Test",
    familyName: `Patient${randomUUID().slice(0, 6)}`,
    birthDate: "1980-02-29",
    sex: "female",
    mrn: uniqueMrn(),
    ...overrides,
  };
}

/** Built through the same services as the app, never by inserting rows behind its back. */
export async function makeUser(
  role: Role,
  options: { totp?: boolean; isDemo?: boolean; patient?: PatientIdentityInput; displayName?: string } = {},
): Promise<TestUser> {
  const email = `${role}-${randomUUID()}@example.test`;
  const totpSecret = options.totp ?? role !== "patient" ? newTotpSecret() : null;
  return withSystem(noRequest, async (ctx) => {
    const patientId = role === "patient" ? await registerPatient(ctx, options.patient ?? identity()) : null;
    const id = await createUser(ctx, {
      email,
      displayName: options.displayName ?? `Test ${role}`,
      role,
      password: PASSWORD,
      patientId,
      totpSecret,
      isDemo: options.isDemo ?? false,
    });
    return { id, email, role, totpSecret, patientId };
  });
}

/** One of each staff role, for files whose cases share them: `({ admin, auditor, clinician } = await makeStaff())`. */
export async function makeStaff(): Promise<{ admin: TestUser; auditor: TestUser; clinician: TestUser }> {
  return { admin: await makeUser("admin"), auditor: await makeUser("auditor"), clinician: await makeUser("clinician") };
}

export function actorOf(user: TestUser, sessionId: string | null = null): Actor {
  return { userId: user.id, role: user.role, patientId: user.patientId, sessionId, request: request() };
}

export async function makeCareTeam(clinicianIds: string[], patientIds: string[]): Promise<string> {
  return withSystem(noRequest, async (ctx) => {
    const teamId = await createCareTeam(ctx, `Team ${randomUUID().slice(0, 8)}`);
    for (const id of clinicianIds) await addCareTeamMember(ctx, teamId, id);
    for (const id of patientIds) await assignPatientToTeam(ctx, teamId, id);
    return teamId;
  });
}
