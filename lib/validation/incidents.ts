import { z } from "zod";
import { zonedToUtc } from "@/lib/incidents/clocks";
import "./messages";

/**
 * A moment typed into a form (a datetime-local field: wall time where the privacy office works) or sent as
 * an ISO instant with its offset. Wall times are read in `timeZone`; everything after this is a UTC instant.
 */
function moment(timeZone: string, { wholeMinute = false } = {}) {
  return z.string().trim().transform((value, ctx) => {
    const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
    const at = local
      ? new Date(zonedToUtc(Number(local[1]), Number(local[2]), Number(local[3]), Number(local[4]), Number(local[5]), timeZone).getTime() + (wholeMinute ? 59_999 : 0))
      : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
        ? new Date(value)
        : null;
    if (!at || Number.isNaN(at.getTime())) {
      ctx.addIssue({ code: "custom", message: "Enter a date and time." });
      return z.NEVER;
    }
    return at;
  });
}

const text = (min: number, max: number, what: string) =>
  z.string().trim().min(min, `${what} (at least ${min} characters)`).max(max, `Keep it under ${max.toLocaleString("en-US")} characters`);

/** Discovery (HIPAA's clock) and awareness (GDPR's): known moments, so never in the future; awareness not before discovery. */
function timesInOrder<T extends { discoveredAt: Date; awareAt: Date }>(now: Date) {
  return (v: T, ctx: z.RefinementCtx) => {
    if (v.discoveredAt > now) ctx.addIssue({ code: "custom", path: ["discoveredAt"], message: "Discovery cannot be in the future." });
    if (v.awareAt > now) ctx.addIssue({ code: "custom", path: ["awareAt"], message: "Awareness cannot be in the future." });
    if (v.awareAt < v.discoveredAt) ctx.addIssue({ code: "custom", path: ["awareAt"], message: "Awareness cannot come before discovery." });
  };
}

export function openIncidentSchema(timeZone: string, now = new Date()) {
  return z
    .object({
      title: text(5, 120, "Give the incident a short title"),
      description: text(10, 4000, "Describe what happened"),
      discoveredAt: moment(timeZone),
      awareAt: moment(timeZone),
      alertIds: z.array(z.uuid()).max(50, "Choose at most 50 alerts").default([]),
    })
    .superRefine(timesInOrder(now));
}
export type OpenIncidentInput = z.input<ReturnType<typeof openIncidentSchema>>;

export function incidentTimesSchema(timeZone: string, now = new Date()) {
  return z.object({ incidentId: z.uuid(), discoveredAt: moment(timeZone), awareAt: moment(timeZone) }).superRefine(timesInOrder(now));
}

/** HIPAA 164.402(2): the four factors, and what they lead to; GDPR Art. 33/34: the risk to people. */
export const riskAssessmentSchema = z.object({
  incidentId: z.uuid(),
  nature: text(10, 2000, "Describe the kind and amount of health information involved"),
  recipient: text(5, 2000, "Say who used or received the information"),
  acquired: z.enum(["acquired", "viewed", "neither", "unknown"], "Choose whether the information was acquired or viewed"),
  acquiredDetail: text(5, 2000, "Say how you know"),
  mitigation: text(10, 2000, "Describe what was done to reduce the harm"),
  conclusion: z.enum(["low_probability", "breach"], "Choose the conclusion"),
  gdprRisk: z.enum(["unlikely", "risk", "high"], "Choose the risk to the people concerned"),
});
export type RiskAssessmentInput = z.input<typeof riskAssessmentSchema>;

export function affectedCriteriaSchema(timeZone: string) {
  return z
    // A window typed to the minute ends at the end of that minute: "to 05:12" includes what happened at 05:12:40.
    .object({ incidentId: z.uuid(), actorId: z.uuid("Enter the staff or patient account id (a UUID)"), from: moment(timeZone), to: moment(timeZone, { wholeMinute: true }) })
    .refine((v) => v.to >= v.from, { path: ["to"], message: "The end of the window cannot come before its start." })
    .refine((v) => v.to.getTime() - v.from.getTime() <= 366 * 24 * 3_600_000, { path: ["to"], message: "Choose a window of at most a year." });
}

/** US states, DC and the inhabited territories: HIPAA 164.406 speaks of "a State or jurisdiction". */
export const usJurisdictions = [
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD",
  "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC",
  "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI", "AS", "MP",
] as const;

/** "CA 120" per line (or "CA: 120", "CA=120"); an empty field clears the counts. */
export const stateCountsSchema = z.object({
  incidentId: z.uuid(),
  counts: z
    .string()
    .max(2000)
    .transform((value, ctx) => {
      const counts: Record<string, number> = {};
      for (const line of value.split(/\r?\n|,/).map((l) => l.trim()).filter(Boolean)) {
        const m = /^([A-Za-z]{2})\s*[:= ]\s*(\d{1,7})$/.exec(line);
        const state = m?.[1]!.toUpperCase();
        if (!m || !(usJurisdictions as readonly string[]).includes(state!)) {
          ctx.addIssue({ code: "custom", message: `"${line.slice(0, 20)}" is not a state code and a number, like CA 120.` });
          return z.NEVER;
        }
        if (state! in counts) {
          ctx.addIssue({ code: "custom", message: `${state} is listed twice.` });
          return z.NEVER;
        }
        counts[state!] = Number(m[2]);
      }
      return counts;
    }),
});

export const completeTaskSchema = z.object({
  taskId: z.uuid(),
  evidence: text(5, 2000, "Say what was sent, to whom, and where the proof is kept"),
  delayReason: z.preprocess((v) => (v === "" ? undefined : v), text(10, 2000, "Give the reasons for the delay").optional()),
});

export const closeIncidentSchema = z.object({
  incidentId: z.uuid(),
  rootCause: text(20, 4000, "Record the root cause before closing"),
});

export const incidentIdSchema = z.object({ incidentId: z.uuid() });
