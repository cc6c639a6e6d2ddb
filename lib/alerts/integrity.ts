import type { Tx } from "@/lib/db/transaction";
import type { AlertDraft } from "./raise";

const LOOKBACK_MS = 7 * 24 * 60 * 60 * 1000;

/** Each failed verification recorded in the log (by an auditor's "verify now", a script or the job) is an alert. */
export async function auditIntegrityFailures(tx: Tx, now: Date): Promise<AlertDraft[]> {
  const rows = await tx.$queryRaw<{ seq: string; first_bad_seq: string | null; kind: string | null }[]>`
    SELECT seq::text, details->>'firstBadSeq' AS first_bad_seq, details->>'kind' AS kind FROM audit_event
    WHERE action = 'audit.verify' AND details->>'ok' = 'false' AND occurred_at > ${new Date(now.getTime() - LOOKBACK_MS)}::timestamptz`;
  return rows.map((r) => ({
    kind: "audit_integrity", rule: "audit-integrity", severity: "critical", windowKey: `audit-integrity:${r.seq}`,
    details: { firstBadSeq: r.first_bad_seq, tamper: r.kind },
    evidence: [r.seq],
  }));
}
