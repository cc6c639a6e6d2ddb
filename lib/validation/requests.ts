import { z } from "zod";
import "./messages";

export const rectifiableFields = ["givenName", "familyName", "address", "phone", "email"] as const;
export const objectablePurposes = ["care_coordination", "research", "analytics", "marketing"] as const;

const reason = z.string().trim().min(5, "Tell us briefly why (at least 5 characters)").max(1000);

/** What a patient may ask for; one schema for the form and the server. */
export const newRequestSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("rectification"),
    field: z.enum(rectifiableFields),
    proposedValue: z.string().trim().min(1, "Enter the corrected value").max(300),
    reason,
  }),
  z.object({ kind: z.literal("restriction"), reason }),
  z.object({ kind: z.literal("objection"), purpose: z.enum(objectablePurposes), reason }),
  z.object({ kind: z.literal("erasure"), reason: z.string().trim().max(1000).default("") }),
]);
export type NewRequest = z.infer<typeof newRequestSchema>;

export const requestIdSchema = z.object({ requestId: z.uuid() });

export const decisionSchema = z.object({
  requestId: z.uuid(),
  decision: z.enum(["approve", "reject"]),
  reason: z.string().trim().min(5, "Record the reason for the decision").max(1000),
});

export const extensionSchema = z.object({
  requestId: z.uuid(),
  reason: z.string().trim().min(10, "Explain why more time is needed (GDPR Art. 12(3))").max(1000),
});
