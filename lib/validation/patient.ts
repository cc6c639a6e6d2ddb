import { z } from "zod";

const isoDate = z.iso.date("Use the format YYYY-MM-DD");

export const patientIdentitySchema = z.object({
  givenName: z.string().trim().min(1).max(100),
  familyName: z.string().trim().min(1).max(100),
  birthDate: isoDate,
  sex: z.enum(["female", "male", "other", "unknown"]),
  ssn: z
    .string()
    .trim()
    .regex(/^\d{3}-?\d{2}-?\d{4}$/, "SSN has 9 digits")
    .optional(),
  mrn: z.string().trim().regex(/^[A-Z0-9-]{4,20}$/i, "MRN is 4–20 letters, digits or dashes"),
  address: z.string().trim().max(300).optional(),
  phone: z.string().trim().max(40).optional(),
  email: z.email().max(254).optional(),
});
export type PatientIdentityInput = z.infer<typeof patientIdentitySchema>;

export const clinicalKindSchema = z.enum(["encounter", "observation", "note", "prescription", "allergy"]);
export type ClinicalKind = z.infer<typeof clinicalKindSchema>;

/** Clinical content by kind; stored as one encrypted JSON document per version. */
export const clinicalContentSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("encounter"),
    date: isoDate,
    type: z.string().trim().min(1).max(100),
    reason: z.string().trim().min(1).max(500),
  }),
  z.object({
    kind: z.literal("observation"),
    date: isoDate,
    code: z.string().trim().min(1).max(40),
    display: z.string().trim().min(1).max(100),
    value: z.number().finite(),
    unit: z.string().trim().max(20),
  }),
  z.object({ kind: z.literal("note"), date: isoDate, title: z.string().trim().min(1).max(200), text: z.string().trim().min(1).max(20_000) }),
  z.object({
    kind: z.literal("prescription"),
    date: isoDate,
    medication: z.string().trim().min(1).max(200),
    dosage: z.string().trim().min(1).max(200),
  }),
  z.object({
    kind: z.literal("allergy"),
    date: isoDate,
    substance: z.string().trim().min(1).max(200),
    reaction: z.string().trim().max(200),
  }),
]);
export type ClinicalContent = z.infer<typeof clinicalContentSchema>;

export const patientSearchSchema = z.discriminatedUnion("by", [
  z.object({ by: z.literal("mrn"), mrn: z.string().trim().min(4, "Enter the MRN").max(20) }),
  z.object({ by: z.literal("ssn"), ssn: z.string().trim().regex(/^\d{3}-?\d{2}-?\d{4}$/, "SSN has 9 digits") }),
  z.object({
    by: z.literal("nameDob"),
    givenName: z.string().trim().min(1, "Enter the given name").max(100),
    familyName: z.string().trim().min(1, "Enter the family name").max(100),
    birthDate: isoDate,
  }),
]);
export type PatientSearchInput = z.infer<typeof patientSearchSchema>;

export const breakGlassSchema = z.object({
  mrn: z.string().trim().min(4, "Enter the patient's MRN").max(20),
  reason: z.string().trim().min(20, "Explain the emergency in at least 20 characters").max(1000),
  code: z.string().trim().regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"),
});
export type BreakGlassInput = z.infer<typeof breakGlassSchema>;

export const addRecordSchema = z.object({ patientId: z.uuid(), content: clinicalContentSchema });
export const amendRecordSchema = z.object({ patientId: z.uuid(), entryId: z.uuid(), content: clinicalContentSchema });

export const consentChangeSchema = z.object({
  purpose: z.enum(["treatment", "care_coordination", "research", "analytics", "marketing"]),
  textVersion: z.string().trim().min(1).max(20),
});
