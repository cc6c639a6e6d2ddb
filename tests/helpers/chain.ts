import { chainHash, GENESIS_HASH, type AuditRecord } from "@/lib/audit/append";
import { keyProvider } from "@/lib/crypto/keys";
import { adminQuery } from "./db";

/** Recomputes the whole audit chain from the rows; returns the problems found (none when intact). */
export async function verifyChain(): Promise<string[]> {
  const rows = await adminQuery<{
    seq: string; occurred_at: Date; actor_id: string | null; actor_role: string | null; action: string;
    resource_type: string | null; resource_id: string | null; patient_pseudonym: string | null;
    outcome: AuditRecord["outcome"]; ip: string | null; user_agent: string | null; request_id: string | null;
    details: AuditRecord["details"]; prev_hash: string; hash: string;
  }>("SELECT * FROM audit_event ORDER BY seq");
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  rows.forEach((r, i) => {
    if (r.seq !== String(i + 1)) problems.push(`gap at ${r.seq}`);
    const record: AuditRecord = {
      seq: r.seq, occurredAt: r.occurred_at.toISOString(), actorId: r.actor_id, actorRole: r.actor_role, action: r.action,
      resourceType: r.resource_type, resourceId: r.resource_id, patientPseudonym: r.patient_pseudonym, outcome: r.outcome,
      ip: r.ip, userAgent: r.user_agent, requestId: r.request_id, details: r.details,
    };
    if (r.prev_hash !== prev || chainHash(keyProvider().secret("auditHmac"), prev, record) !== r.hash) problems.push(`bad hash at ${r.seq}`);
    prev = r.hash;
  });
  return problems;
}
