import type { JsonValue } from "@/lib/audit/canonical";
import type { ActorContext } from "@/lib/db/transaction";

export type Severity = "low" | "medium" | "high" | "critical";

/** An alert as a rule proposes it; raised at most once per window key. */
export interface AlertDraft {
  kind: string;
  rule: string;
  severity: Severity;
  /** rule, subject and window: the same burst seen by two runs (or two instances) gives the same key. */
  windowKey: string;
  actorId?: string | null;
  patientPseudonym?: string | null;
  details: { [key: string]: JsonValue };
  /** audit_event.seq of the events that triggered the rule. */
  evidence: string[];
}

/** Most events one alert names: the rest of a burst is in the log under the same window. */
export const EVIDENCE_LIMIT = 100;

/**
 * Inserts the alert unless its window already has one. The unique window key makes this hold under
 * concurrency: a second transaction inserting the same key waits for the first and then inserts nothing.
 * Returns the new alert's id, or null when it already existed.
 */
export async function raiseAlert(ctx: ActorContext, draft: AlertDraft): Promise<string | null> {
  const evidence = draft.evidence.slice(0, EVIDENCE_LIMIT);
  const [row] = await ctx.tx.$queryRaw<{ id: string }[]>`
    INSERT INTO alert (kind, rule, severity, window_key, actor_id, patient_pseudonym, details, evidence)
    VALUES (${draft.kind}, ${draft.rule}, ${draft.severity}, ${draft.windowKey}, ${draft.actorId ?? null}::uuid,
      ${draft.patientPseudonym ?? null}, ${JSON.stringify(draft.details)}::jsonb, ${evidence}::bigint[])
    ON CONFLICT (window_key) DO NOTHING
    RETURNING id::text`;
  if (!row) return null;
  ctx.audit({
    action: "alert.raise",
    resourceType: "alert",
    resourceId: row.id,
    details: { kind: draft.kind, rule: draft.rule, severity: draft.severity, windowKey: draft.windowKey, evidence },
  });
  return row.id;
}

/** Fixed windows aligned to the epoch: the window holding `at`, as its start. */
export function windowStart(at: Date, seconds: number): Date {
  const ms = seconds * 1000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}
