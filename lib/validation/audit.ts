import { z } from "zod";
import "./messages";

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" || v === null ? undefined : v), schema.optional());

/** Filters of the auditor's event browser; shared by the page (query string) and the export route. */
export const auditFilterSchema = z
  .object({
    from: optional(z.iso.date("Enter a date, or leave it empty")),
    to: optional(z.iso.date("Enter a date, or leave it empty")),
    staff: optional(z.string().trim().min(2, "Type at least two letters of the name").max(80)),
    actorId: optional(z.uuid("Actor must be a user id")),
    role: optional(z.enum(["patient", "clinician", "auditor", "admin", "system"])),
    action: optional(z.string().trim().max(100).regex(/^[a-z_.]+$/, "Actions look like chart.read")),
    outcome: optional(z.enum(["allowed", "denied", "error"])),
    patient: optional(z.string().trim().max(40)),
    breakGlass: optional(z.enum(["1"])),
    before: optional(z.coerce.bigint().positive()),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ["to"], message: "“To” must be on or after “From”" });
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const alertAckSchema = z.object({ alertId: z.uuid() });

export const breakGlassReviewSchema = z.object({
  grantId: z.uuid(),
  decision: z.enum(["approved", "flagged"]),
  comment: z.string().trim().min(5, "Add a short comment for the record").max(1000),
});
