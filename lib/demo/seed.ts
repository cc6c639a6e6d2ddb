import "server-only";
import { faker } from "@faker-js/faker";
import { noRequest } from "@/lib/access/actor";
import { isProduction } from "@/lib/config";
import { withSystem } from "@/lib/db/transaction";
import { addCareTeamMember, assignPatientToTeam, createCareTeam } from "@/lib/services/care-teams";
import { addClinicalRecord, registerPatient } from "@/lib/services/patients";
import { createProcessor } from "@/lib/services/processors";
import { createUser } from "@/lib/services/users";
import type { ClinicalContent } from "@/lib/validation/patient";
import { DEMO_PASSWORD, demoMrn, demoPatientTeam, PATIENT_COUNT, patientEmail, patientTotpSecret, staffAccounts } from "./accounts";

export class SeedRefused extends Error {}

const SEED = 20_261_122;

/**
 * Deterministic demo data built through the same services the app uses. Idempotent: a database that
 * already has its admin is left alone. Refused in production, where demo credentials must never exist.
 */
export async function seedDemo(log: (msg: string) => void = () => {}): Promise<"seeded" | "already-seeded"> {
  if (isProduction()) throw new SeedRefused("refusing to seed demo accounts in production mode");
  const existing = await withSystem(noRequest, ({ tx }) => tx.user.count());
  if (existing > 0) return "already-seeded";
  faker.seed(SEED);

  const teamIds = await withSystem(noRequest, async (ctx) => {
    const ids: Record<string, string> = {};
    for (const name of ["North Clinic", "South Clinic"]) ids[name] = await createCareTeam(ctx, name);
    for (const account of staffAccounts) {
      const userId = await createUser(ctx, {
        email: account.email,
        displayName: account.displayName,
        role: account.role,
        password: DEMO_PASSWORD,
        totpSecret: account.totpSecret,
        isDemo: true,
      });
      if (account.team) await addCareTeamMember(ctx, ids[account.team]!, userId);
    }
    return ids;
  });
  log(`seeded ${staffAccounts.length} staff accounts`);

  const authorIds = await withSystem(noRequest, async ({ tx }) =>
    (await tx.user.findMany({ where: { role: "clinician" }, select: { id: true } })).map((u) => u.id),
  );
  for (let n = 1; n <= PATIENT_COUNT; n++) {
    await withSystem(noRequest, async (ctx) => {
      const sex = faker.helpers.arrayElement(["female", "male"] as const);
      const givenName = faker.person.firstName(sex);
      const familyName = faker.person.lastName();
      const patientId = await registerPatient(ctx, {
        givenName,
        familyName,
        sex,
        birthDate: faker.date.birthdate({ mode: "age", min: 1, max: 95 }).toISOString().slice(0, 10),
        mrn: demoMrn(n),
        ssn: `9${faker.string.numeric(2)}-${faker.string.numeric(2)}-${faker.string.numeric(4)}`,
        address: `${faker.location.streetAddress()}, ${faker.location.city()}`,
        phone: faker.phone.number({ style: "national" }),
        email: patientEmail(n),
      });
      await assignPatientToTeam(ctx, teamIds[demoPatientTeam(n)]!, patientId);
      await createUser(ctx, {
        email: patientEmail(n),
        displayName: `${givenName} ${familyName}`,
        role: "patient",
        password: DEMO_PASSWORD,
        patientId,
        totpSecret: patientTotpSecret(n),
        isDemo: true,
      });
      for (const content of clinicalHistory()) {
        await addClinicalRecord(ctx, patientId, content, faker.helpers.arrayElement(authorIds));
      }
    });
  }
  log(`seeded ${PATIENT_COUNT} patients with accounts and clinical records`);
  await seedProcessors();
  return "seeded";
}

/** Two processors for the tour: one agreement in force, one ending within 30 days (the register warns). */
async function seedProcessors(): Promise<void> {
  const admin = await withSystem(noRequest, ({ tx }) => tx.user.findFirstOrThrow({ where: { role: "admin" }, select: { id: true } }));
  const actor = { userId: admin.id, role: "admin" as const, patientId: null, sessionId: null, request: noRequest };
  const date = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  await createProcessor(actor, {
    name: "Northwind Hosting GmbH",
    service: "Hosting of the database servers and encrypted backups",
    agreement: "both",
    signedOn: date(-200),
    expiresOn: date(530),
    dataCategories: ["identifier", "health", "account", "security-log"],
    country: "DE",
    documentRef: "Contracts / 2026 / northwind-dpa-baa.pdf",
  });
  await createProcessor(actor, {
    name: "Lumen Transcription Inc.",
    service: "Transcription of dictated clinical notes",
    agreement: "baa",
    signedOn: date(-345),
    expiresOn: date(20),
    dataCategories: ["health", "pseudonymous-id"],
    country: "US",
    transferMechanism: "scc",
    documentRef: "Contracts / 2025 / lumen-baa.pdf",
  });
}

function day(): string {
  return faker.date.past({ years: 3 }).toISOString().slice(0, 10);
}

function clinicalHistory(): ClinicalContent[] {
  const items: ClinicalContent[] = [];
  const count = (min: number, max: number) => faker.number.int({ min, max });
  for (let i = count(1, 3); i > 0; i--) {
    items.push({ kind: "encounter", date: day(), type: faker.helpers.arrayElement(["Outpatient visit", "Telehealth", "Emergency", "Follow-up"]), reason: faker.helpers.arrayElement(["Hypertension review", "Annual check-up", "Cough and fever", "Back pain", "Diabetes follow-up"]) });
  }
  for (let i = count(2, 5); i > 0; i--) {
    const vital = faker.helpers.arrayElement([
      { code: "8867-4", display: "Heart rate", unit: "/min", min: 50, max: 110 },
      { code: "8480-6", display: "Systolic blood pressure", unit: "mm[Hg]", min: 100, max: 170 },
      { code: "29463-7", display: "Body weight", unit: "kg", min: 40, max: 120 },
      { code: "4548-4", display: "Hemoglobin A1c", unit: "%", min: 4, max: 11 },
    ]);
    items.push({ kind: "observation", date: day(), code: vital.code, display: vital.display, unit: vital.unit, value: faker.number.float({ min: vital.min, max: vital.max, fractionDigits: 1 }) });
  }
  for (let i = count(1, 2); i > 0; i--) {
    items.push({ kind: "note", date: day(), title: "Progress note", text: faker.lorem.sentences({ min: 2, max: 4 }) });
  }
  for (let i = count(0, 2); i > 0; i--) {
    items.push({ kind: "prescription", date: day(), medication: faker.helpers.arrayElement(["Lisinopril 10 mg", "Metformin 500 mg", "Atorvastatin 20 mg", "Amoxicillin 500 mg"]), dosage: faker.helpers.arrayElement(["Once daily", "Twice daily", "Three times daily for 7 days"]) });
  }
  for (let i = count(0, 1); i > 0; i--) {
    items.push({ kind: "allergy", date: day(), substance: faker.helpers.arrayElement(["Penicillin", "Peanuts", "Latex"]), reaction: faker.helpers.arrayElement(["Rash", "Anaphylaxis", "Hives"]) });
  }
  return items;
}
