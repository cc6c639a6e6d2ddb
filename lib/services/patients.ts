import "server-only";
import { randomUUID } from "node:crypto";
import { blindIndex } from "@/lib/crypto/blind-index";
import type { ActorContext } from "@/lib/db/transaction";
import { clinicalContentSchema, patientIdentitySchema, type ClinicalContent, type PatientIdentityInput } from "@/lib/validation/patient";
import { NotFound } from "@/lib/access/errors";
import { newPatientKey, patientCipher } from "./patient-keys";
import { writeRecordVersion } from "./record-versions";

const T = "patient_identity";

/** The name + birth-date search key; one definition, so registration, rectification and search agree. */
export function nameDobIndex(identity: { givenName: string; familyName: string; birthDate: string }): Uint8Array<ArrayBuffer> {
  return blindIndex("nameDob", `${identity.givenName} ${identity.familyName}|${identity.birthDate}`);
}

/**
 * Registers a patient: a fresh data key, every identifier encrypted under it, blind indexes for exact search.
 * Runs inside the caller's transaction (authorization is the caller's job) and records the write.
 */
export async function registerPatient(ctx: ActorContext, raw: PatientIdentityInput): Promise<string> {
  const input = patientIdentitySchema.parse(raw);
  const id = randomUUID();
  const c = await newPatientKey(ctx.tx, id);
  const opt = (column: string, value: string | undefined) => (value === undefined ? null : c.seal(T, column, id, value));
  await ctx.tx.patientIdentity.create({
    data: {
      patientId: id,
      givenNameEnc: c.seal(T, "given_name_enc", id, input.givenName),
      familyNameEnc: c.seal(T, "family_name_enc", id, input.familyName),
      birthDateEnc: c.seal(T, "birth_date_enc", id, input.birthDate),
      sexEnc: c.seal(T, "sex_enc", id, input.sex),
      mrnEnc: c.seal(T, "mrn_enc", id, input.mrn),
      ssnEnc: opt("ssn_enc", input.ssn),
      addressEnc: opt("address_enc", input.address),
      phoneEnc: opt("phone_enc", input.phone),
      emailEnc: opt("email_enc", input.email),
      mrnBidx: blindIndex("mrn", input.mrn),
      ssnBidx: input.ssn ? blindIndex("ssn", input.ssn) : null,
      emailBidx: input.email ? blindIndex("email", input.email) : null,
      nameDobBidx: nameDobIndex(input),
    },
  });
  // The log names patients by pseudonym only (patientId is turned into one); a raw id would outlive erasure.
  ctx.audit({ action: "patient.create", resourceType: "patient", patientId: id });
  return id;
}

/** Adds version 1 of a clinical entry for system callers (seed, imports); clinicians use chart.ts. */
export async function addClinicalRecord(
  ctx: ActorContext,
  patientId: string,
  raw: ClinicalContent,
  authorId: string | null,
): Promise<string> {
  const content = clinicalContentSchema.parse(raw);
  const c = await patientCipher(ctx.tx, patientId);
  if (!c) throw new NotFound("patient");
  const entryId = await writeRecordVersion(ctx.tx, c, { patientId, version: 1, content, authorId });
  ctx.audit({ action: "record.create", resourceType: content.kind, resourceId: entryId, patientId });
  return entryId;
}
