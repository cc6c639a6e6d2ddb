import { z } from "zod";
import "./messages";
import { reauthSchema } from "./reauth";
import { rectifiableFields, rectifiedValue } from "./rectification";

export { rectifiableFields };
export const objectablePurposes = ["care_coordination", "research", "analytics", "marketing"] as const;

const reason = z.string().trim().min(5, "Tell us briefly why (at least 5 characters)").max(1000);

const rectification = z.object({
  kind: z.literal("rectification"),
  field: z.enum(rectifiableFields),
  proposedValue: z.string().trim().min(1, "Enter the corrected value").max(300),
  reason,
});
const erasure = z.object({ kind: z.literal("erasure"), reason: z.string().trim().max(1000).default("") });
const others = [
  z.object({ kind: z.literal("restriction"), reason }),
  z.object({ kind: z.literal("objection"), purpose: z.enum(objectablePurposes), reason }),
] as const;

/**
 * A request as stored: the shape only. Reading must not fail on a request accepted before the per-field checks
 * below existed; such a value is never applied (lib/services/request-decisions.ts re-checks it).
 */
export const storedRequestSchema = z.discriminatedUnion("kind", [rectification, ...others, erasure]);
export type NewRequest = z.infer<typeof storedRequestSchema>;

/**
 * What a patient may ask for; one schema for the form and the server. The new value is checked by field type.
 * An erasure cannot be undone once it runs, so it is asked twice: the patient ticks that they understand, and
 * re-enters their password (and code) — checked by lib/auth/reauthenticate.ts, never stored with the request.
 */
export const newRequestSchema = z.discriminatedUnion("kind", [
  rectification.superRefine((r, ctx) => {
    const checked = rectifiedValue[r.field].safeParse(r.proposedValue);
    if (!checked.success) ctx.addIssue({ code: "custom", path: ["proposedValue"], message: checked.error.issues[0]!.message });
  }),
  ...others,
  erasure.extend({
    ...reauthSchema.shape,
    confirmed: z.literal("yes", { error: "Tick the box to confirm you understand your data will be erased" }),
  }),
]);

/** What the patient is told once a request is in, by kind. */
export const requestReceived: Record<NewRequest["kind"], string> = {
  rectification: "Your correction has been checked and made to your record.",
  restriction: "Your request has been received.",
  objection: "Your request has been received.",
  erasure: "Your erasure is scheduled. You can still cancel it below until it runs.",
};

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

const emptyIsAny = (v: unknown) => (v === "" || v === null ? undefined : v);

/** The admin's view of closed requests; query-string values, so an empty select means "any". */
export const requestHistoryFilterSchema = z.object({
  kind: z.preprocess(emptyIsAny, z.enum(["rectification", "restriction", "objection", "erasure"]).optional()),
  status: z.preprocess(emptyIsAny, z.enum(["completed", "rejected", "cancelled"]).optional()),
});
