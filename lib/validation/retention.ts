import { z } from "zod";
import "./messages";

/**
 * The data categories with a retention period, what each means and the periods an administrator may set.
 * Floors: HIPAA 164.316(b)(2) keeps documentation (requests and decisions) six years, and medical records law
 * asks at least as much for the records kept after an erasure; counters and sessions need only outlive their
 * own window (minutes), so one day is the floor there.
 */
export const retentionCategories = {
  sessions: { label: "Ended sign-in sessions (device and address)", min: 1, max: 3650 },
  throttle: { label: "Failed sign-in counters", min: 1, max: 365 },
  record_access: { label: "Record-access counters of the bulk-access guard", min: 1, max: 365 },
  data_requests: { label: "Closed data-subject requests and their history", min: 2190, max: 36500 },
  erased_clinical_records: { label: "Clinical records kept after an erasure", min: 2190, max: 36500 },
  // Floor: the address rules' windows and a first investigation need the addresses (migration 0037 agrees).
  audit_addresses: { label: "Network addresses and browser names in the audit log", min: 7, max: 36500 },
} as const;

export type RetentionCategory = keyof typeof retentionCategories;

const categorySchema = z.enum(Object.keys(retentionCategories) as [RetentionCategory, ...RetentionCategory[]], {
  error: "Choose one of the listed categories",
});

export const retentionPeriodSchema = z
  .object({
    category: categorySchema,
    days: z.coerce.number({ error: "Enter a number of days" }).int("Enter whole days"),
  })
  .superRefine(({ category, days }, ctx) => {
    const { label, min, max } = retentionCategories[category];
    if (days < min || days > max) {
      ctx.addIssue({ code: "custom", path: ["days"], message: `${label}: keep them between ${min} and ${max} days` });
    }
  });
export type RetentionPeriodInput = z.input<typeof retentionPeriodSchema>;
