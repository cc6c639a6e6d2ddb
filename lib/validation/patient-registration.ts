import { z } from "zod";
import "./messages";
import { newPasswordSchema } from "./password";
import { linkTokenSchema } from "./account-links";
import { canonicalMrn } from "./mrn";

/** An empty form field means "not given". */
const blankAsMissing = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** Letters of any script, with the spaces, hyphens, apostrophes and dots real names carry. */
const name = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}`)
    .max(100, "Keep this under 100 characters")
    .regex(/^(?:[\p{L}\p{M}][\p{L}\p{M} .'’-]*)?$/u, `The ${what} may hold letters, spaces, hyphens and apostrophes only`);

/** The latest calendar date anywhere on Earth now (UTC+14): nobody can be born later than that. */
const latestToday = () => new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);

// An empty date field is the usual mistake (a browser's date picker cannot hold a wrong format): say what is missing.
const birthDate = (missing: string) => z.string().min(1, missing).pipe(z.iso.date("Use the format YYYY-MM-DD"));

export const birthDateSchema = birthDate("Enter the date of birth")
  .refine((d) => d <= latestToday(), "The birth date cannot be in the future")
  .refine((d) => d >= "1900-01-01", "Check the year of birth");

/** E.164: "+", country code and number, at most 15 digits; spaces, dashes, dots and brackets are ignored. */
const phoneSchema = z
  .string()
  .transform((v) => v.replace(/[\s().-]/g, ""))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, "Give the number in international form, e.g. +44 20 7946 0958"));

/**
 * What a clinician types to register a patient. The MRN, when given, is the hospital's form (lib/validation/mrn.ts:
 * "123757" and "mrn 123757" both read as MRN-123757); left empty, the service generates one. The care team is
 * only a choice among the clinician's own teams: the service refuses any other id (mass assignment).
 */
export const registerPatientSchema = z.object({
  givenName: name("given name"),
  familyName: name("family name"),
  birthDate: birthDateSchema,
  sex: z.enum(["female", "male", "other", "unknown"], "Choose one"),
  mrn: z.preprocess(
    blankAsMissing,
    z
      .string()
      .transform((v, ctx) => canonicalMrn(v) ?? (ctx.addIssue({ code: "custom", message: "An MRN is MRN- and 6 digits, e.g. MRN-123757. Leave it empty to have one made." }), z.NEVER))
      .optional(),
  ),
  phone: z.preprocess(blankAsMissing, phoneSchema.optional()),
  email: z.email("Give a valid e-mail address: the portal invitation goes there").max(254),
  teamId: z.preprocess(blankAsMissing, z.uuid("Choose one of your care teams").optional()),
});
export type RegisterPatientInput = z.input<typeof registerPatientSchema>;

/** The patient's activation: the link's token, their birth date as proof, and the password they choose. */
export const patientActivationSchema = z
  .object({ token: linkTokenSchema, birthDate: birthDate("Enter your date of birth"), newPassword: newPasswordSchema, confirmPassword: z.string() })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords differ" });
export type PatientActivationInput = z.input<typeof patientActivationSchema>;

// Plain z.object: only the patient id; whose invitation it is, and whether it may change, the service decides.
export const patientInvitationSchema = z.object({ patientId: z.uuid() });
