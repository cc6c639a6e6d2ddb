import { createHmac } from "node:crypto";
import { keyProvider } from "@/lib/crypto/keys";
import { pseudonym } from "@/lib/crypto/pseudonym";
import type { ActorContext, DbPrincipal } from "@/lib/db/transaction";
import { canonicalJson, type JsonValue } from "./canonical";
import { checkpointAfterAppend } from "./checkpoint";

export type AuditOutcome = "allowed" | "denied" | "error";

/** What a service says happened. Never PHI: ids, pseudonyms and codes only. */
export interface AuditInput {
  action: string;
  outcome?: AuditOutcome;
  resourceType?: string;
  resourceId?: string;
  /** Turned into a keyed pseudonym before it is stored, so erasure never has to touch the log. */
  patientId?: string;
  /** Overrides the transaction's principal, e.g. a failed sign-in attributed to the account tried. */
  actorId?: string | null;
  actorRole?: string | null;
  details?: { [key: string]: JsonValue };
}

export const GENESIS_HASH = "0".repeat(64);
// Serializes appends so sequence numbers are contiguous and each row chains to the one before it.
const AUDIT_LOCK_KEY = 7_364_291_001n;

export interface AuditRecord {
  seq: string;
  occurredAt: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientPseudonym: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: { [key: string]: JsonValue };
}

export function chainHash(key: Buffer, prevHash: string, record: AuditRecord): string {
  return createHmac("sha256", key)
    .update(prevHash)
    .update("\n")
    .update(canonicalJson(record as unknown as JsonValue))
    .digest("hex");
}

export async function appendAuditEvents(ctx: ActorContext, principal: DbPrincipal, events: AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  const { tx } = ctx;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`;
  // Through a function: most contexts may not read other people's events, but every append needs the head.
  const last = await tx.$queryRaw<{ seq: bigint | null; hash: string | null }[]>`SELECT seq, hash FROM audit_chain_head()`;
  let seq = last[0]?.seq ?? 0n;
  let prevHash = last[0]?.hash ?? GENESIS_HASH;
  const key = keyProvider().secret("auditHmac");
  const occurredAt = new Date().toISOString();
  for (const event of events) {
    seq += 1n;
    const record: AuditRecord = {
      seq: seq.toString(),
      occurredAt,
      actorId: event.actorId !== undefined ? event.actorId : principal.userId,
      actorRole: event.actorRole !== undefined ? event.actorRole : principal.role,
      action: event.action,
      resourceType: event.resourceType ?? null,
      resourceId: event.resourceId ?? null,
      patientPseudonym: event.patientId ? pseudonym(event.patientId) : null,
      outcome: event.outcome ?? "allowed",
      ip: principal.request.ip,
      userAgent: principal.request.userAgent,
      requestId: principal.request.requestId,
      details: event.details ?? {},
    };
    const hash = chainHash(key, prevHash, record);
    await tx.$executeRaw`INSERT INTO audit_event (seq, occurred_at, actor_id, actor_role, action, resource_type,
        resource_id, patient_pseudonym, outcome, ip, user_agent, request_id, details, prev_hash, hash)
      VALUES (${seq}, ${occurredAt}::timestamptz, ${record.actorId}::uuid, ${record.actorRole}, ${record.action},
        ${record.resourceType}, ${record.resourceId}, ${record.patientPseudonym}, ${record.outcome}, ${record.ip},
        ${record.userAgent}, ${record.requestId}, ${JSON.stringify(record.details)}::jsonb, ${prevHash}, ${hash})`;
    prevHash = hash;
  }
  await checkpointAfterAppend(ctx, seq, prevHash);
}
