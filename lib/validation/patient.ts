import { z } from "zod";
import "./messages";
import { observationCode, observationCodes, type ObservationCodeValue } from "@/lib/clinical/observation-codes";

// Empty is the usual mistake with a date picker: say what is missing rather than which format.
const isoDate = z.string().min(1, "Enter the date").pipe(z.iso.date("Use the format YYYY-MM-DD"));
const dateOfBirth = z.string().min(1, "Enter the date of birth").pipe(isoDate);

export const patientIdentitySchema = z.object({
  givenName: z.string().trim().min(1).max(100),
  familyName: z.string().trim().min(1).max(100),
  birthDate: dateOfBirth,
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

/**
 * The latest calendar date anywhere on Earth right now (UTC+14): a clinician ahead of the server's clock may
 * record today, nobody may record tomorrow.
 */
function latestToday(): string {
  return new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);
}

/** When something clinical happened: a real date, never in the future. */
const pastDate = isoDate.refine((d) => d <= latestToday(), "This date is in the future. Enter the date it happened.");

/** Length limits the form shows as counters; the schema is the one place they are set. */
export const clinicalLimits = {
  title: 150,
  text: 10_000,
  short: 100,
  reason: 500,
  medication: 200,
} as const;

const text = (max: number, required = true) => {
  const base = z.string().trim().max(max, `Keep this under ${max.toLocaleString("en-US")} characters.`);
  return required ? base.min(1, "Please fill this in.") : base;
};

const codes = observationCodes.map((c) => c.code) as [ObservationCodeValue, ...ObservationCodeValue[]];

const contentKinds = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("encounter"),
    date: pastDate,
    type: text(clinicalLimits.short),
    reason: text(clinicalLimits.reason),
  }),
  z.object({
    kind: z.literal("observation"),
    date: pastDate,
    code: z.enum(codes, "Choose an observation from the list."),
    display: z.string().trim().max(clinicalLimits.short),
    value: z.number("Enter the measured value as a number.").finite("Enter the measured value as a number."),
    unit: z.string().trim().max(20),
  }),
  z.object({ kind: z.literal("note"), date: pastDate, title: text(clinicalLimits.title), text: text(clinicalLimits.text) }),
  z.object({
    kind: z.literal("prescription"),
    date: pastDate,
    medication: text(clinicalLimits.medication),
    dosage: text(clinicalLimits.medication),
  }),
  z.object({
    kind: z.literal("allergy"),
    date: pastDate,
    substance: text(clinicalLimits.medication),
    reaction: text(clinicalLimits.medication, false),
  }),
]);

/**
 * Clinical content by kind; stored as one encrypted JSON document per version. An observation's name and
 * unit are those of its LOINC code (lib/clinical/observation-codes.ts), never typed, and its value must be
 * one a real measurement can have.
 */
export const clinicalContentSchema = contentKinds.superRefine((c, ctx) => {
  if (c.kind !== "observation") return;
  const known = observationCode(c.code);
  if (!known) return;
  if (c.unit !== known.unit || c.display !== known.display) {
    ctx.addIssue({ code: "custom", path: ["unit"], message: `${known.display} is recorded in ${known.unitLabel}. Choose the observation again.` });
  }
  if (Number.isFinite(c.value) && (c.value < known.min || c.value > known.max)) {
    ctx.addIssue({
      code: "custom",
      path: ["value"],
      message: `${known.display} must be between ${known.min} and ${known.max} ${known.unitLabel}. Check the value.`,
    });
  }
});
export type ClinicalContent = z.infer<typeof clinicalContentSchema>;

export const patientSearchSchema = z.discriminatedUnion("by", [
  z.object({ by: z.literal("mrn"), mrn: z.string().trim().min(4, "Enter the MRN").max(20) }),
  z.object({ by: z.literal("ssn"), ssn: z.string().trim().regex(/^\d{3}-?\d{2}-?\d{4}$/, "SSN has 9 digits") }),
  z.object({
    by: z.literal("nameDob"),
    givenName: z.string().trim().min(1, "Enter the given name").max(100),
    familyName: z.string().trim().min(1, "Enter the family name").max(100),
    birthDate: dateOfBirth,
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
export const amendReasonSchema = z
  .string()
  .trim()
  .min(5, "Say why you are amending this entry (at least 5 characters).")
  .max(clinicalLimits.reason, `Keep this under ${clinicalLimits.reason} characters.`);
export const amendRecordSchema = z.object({ patientId: z.uuid(), entryId: z.uuid(), content: clinicalContentSchema, amendReason: amendReasonSchema });

export const consentChangeSchema = z.object({
  purpose: z.enum(["treatment", "care_coordination", "research", "analytics", "marketing"]),
  textVersion: z.string().trim().min(1).max(20),
});

export const grantIdSchema = z.object({ grantId: z.uuid() });
