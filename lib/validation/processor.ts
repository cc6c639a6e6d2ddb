import { z } from "zod";
import "./messages";

export const agreementTypes = { baa: "BAA (HIPAA business associate agreement)", dpa: "DPA (GDPR Art. 28 processing agreement)", both: "Both BAA and DPA" } as const;
export const transferMechanisms = {
  adequacy: "Adequacy decision (GDPR Art. 45, e.g. EU-US Data Privacy Framework)",
  scc: "Standard contractual clauses (Art. 46(2)(c))",
  bcr: "Binding corporate rules (Art. 47)",
  derogation: "Derogation for a specific situation (Art. 49)",
} as const;
export const sharedDataCategories = {
  identifier: "Patient identifiers (name, birth date, MRN, contact)",
  health: "Health data",
  "pseudonymous-id": "Pseudonymous ids only",
  account: "Staff accounts",
  "security-log": "Security logs (addresses, devices, times)",
  "consent-request": "Consent and data-subject requests",
} as const;

/** EU member states and the EEA (Iceland, Liechtenstein, Norway): no Chapter V transfer mechanism needed. */
export const euEeaCountries: ReadonlySet<string> = new Set([
  "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
  "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
]);

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
/** The English name of an ISO 3166 code, or null when the code names no country. */
export function countryName(code: string): string | null {
  try {
    const name = regionNames.of(code);
    return name && name !== code ? name : null;
  } catch {
    return null;
  }
}

/** Today's date (UTC) as YYYY-MM-DD, the form the dates of an agreement take. */
export function todayIso(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

const isoDate = (missing: string) =>
  z
    .string(missing)
    .trim()
    .min(1, missing)
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Give the date as YYYY-MM-DD")
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "This date does not exist");

const key = <T extends Record<string, string>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];

/**
 * One processor's agreement. A form sends a blank transfer mechanism when none applies; it is required for a
 * processor outside the EU/EEA (GDPR Chapter V). Dates are checked against today when the schema runs.
 */
export const processorSchema = z
  .object({
    name: z.string().trim().min(1, "Give the processor's name").max(200, "Keep the name under 200 characters"),
    service: z.string().trim().min(1, "Say what they do for you").max(500, "Keep this under 500 characters"),
    agreement: z.enum(key(agreementTypes), "Choose the type of agreement"),
    signedOn: isoDate("Give the date the agreement was signed"),
    expiresOn: isoDate("Give the date the agreement ends"),
    dataCategories: z
      .array(z.enum(key(sharedDataCategories), "Choose from the list"))
      .min(1, "Choose at least one category of data they receive")
      .transform((list) => [...new Set(list)]),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, "Give the two-letter country code, e.g. DE or US")
      .refine((code) => countryName(code) !== null, "This is not a country code"),
    transferMechanism: z.preprocess((v) => (v === "" || v === null ? undefined : v), z.enum(key(transferMechanisms), "Choose a transfer mechanism").optional()),
    documentRef: z.string().trim().min(1, "Say where the signed agreement is kept").max(500, "Keep this under 500 characters"),
  })
  .superRefine((v, ctx) => {
    if (v.signedOn > todayIso()) ctx.addIssue({ code: "custom", path: ["signedOn"], message: "The signing date cannot be in the future" });
    if (v.expiresOn <= v.signedOn) ctx.addIssue({ code: "custom", path: ["expiresOn"], message: "The agreement must end after it was signed" });
    if (!euEeaCountries.has(v.country) && !v.transferMechanism) {
      ctx.addIssue({ code: "custom", path: ["transferMechanism"], message: "A processor outside the EU/EEA needs a transfer mechanism" });
    }
  });
export type ProcessorInput = z.input<typeof processorSchema>;

export const processorIdSchema = z.object({ id: z.uuid("Unknown processor") });

/** Form data to the schema's shape: several checked categories arrive as repeated fields. */
export function processorFormValues(form: FormData): Record<string, unknown> {
  return { ...Object.fromEntries(form), dataCategories: form.getAll("dataCategories") };
}
