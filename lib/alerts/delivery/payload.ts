import type { JsonValue } from "@/lib/audit/canonical";

/** What leaves for the SIEM: the alert as auditors see it, ids and pseudonyms only, never PHI. */
export interface AlertPayload {
  id: string;
  kind: string;
  rule: string | null;
  severity: "low" | "medium" | "high" | "critical";
  createdAt: string;
  actorId: string | null;
  patientPseudonym: string | null;
  details: JsonValue;
  /** audit_event.seq of the evidence, as strings (bigint). */
  evidence: string[];
  source: "custodia";
}

export interface SendResult {
  ok: boolean;
  /** Why it failed, for the outbox row and the auditors' page: a status code or a network error, no secrets. */
  error?: string;
}
