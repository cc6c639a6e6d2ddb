import { pseudonym } from "@/lib/crypto/pseudonym";
import type { ActorContext, DbPrincipal } from "@/lib/db/transaction";
import type { JsonValue } from "./canonical";
import { randomBytes } from "node:crypto";
import { keyProvider } from "@/lib/crypto/keys";
import { addressDigest, writerMac, type AuditOutcome, type EventContent } from "./hashes";

export type { AuditOutcome } from "./hashes";

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

const COLUMNS = ["occurred_at", "actor_id", "actor_role", "action", "resource_type", "resource_id", "patient_pseudonym",
  "outcome", "ip", "user_agent", "request_id", "details", "writer_mac", "net_salt", "ip_digest", "user_agent_digest"] as const;
const CASTS: Partial<Record<(typeof COLUMNS)[number], string>> = { occurred_at: "timestamptz", actor_id: "uuid", details: "jsonb" };

/** One event as stored by its writer: the content columns, with the writer MAC over them. */
export type AuditRow = Record<Exclude<(typeof COLUMNS)[number], "details">, string | null> & { details: { [key: string]: JsonValue } };

/** The rows for a transaction's events, each with its writer MAC; all share the transaction's moment. */
export function auditRows(principal: DbPrincipal, events: AuditInput[]): AuditRow[] {
  const key = keyProvider().secret("auditHmac");
  const occurredAt = new Date().toISOString();
  const { ip, userAgent } = principal.request;
  return events.map((event) => {
    // Per event, not per transaction: redacted events of one request must not be linkable by their digests.
    const netSalt = randomBytes(16).toString("base64url");
    const content: EventContent = {
      occurredAt,
      actorId: event.actorId !== undefined ? event.actorId : principal.userId,
      actorRole: event.actorRole !== undefined ? event.actorRole : principal.role,
      action: event.action,
      resourceType: event.resourceType ?? null,
      resourceId: event.resourceId ?? null,
      patientPseudonym: event.patientId ? pseudonym(event.patientId) : null,
      outcome: event.outcome ?? "allowed",
      ip,
      userAgent,
      requestId: principal.request.requestId,
      details: event.details ?? {},
      netSalt,
      ipDigest: addressDigest(key, netSalt, "ip", ip),
      userAgentDigest: addressDigest(key, netSalt, "user_agent", userAgent),
    };
    return {
      occurred_at: content.occurredAt, actor_id: content.actorId, actor_role: content.actorRole, action: content.action,
      resource_type: content.resourceType, resource_id: content.resourceId, patient_pseudonym: content.patientPseudonym,
      outcome: content.outcome, ip: content.ip, user_agent: content.userAgent, request_id: content.requestId,
      details: content.details, writer_mac: writerMac(key, content),
      net_salt: content.netSalt, ip_digest: content.ipDigest, user_agent_digest: content.userAgentDigest,
    };
  });
}

/**
 * The one INSERT that writes a transaction's events, unchained and under no lock: it commits or rolls back with
 * the work it records (no access without its log line), and the sealer (sealer.ts) chains it after commit.
 * Null when there is nothing to write.
 */
export function auditInsert(principal: DbPrincipal, events: AuditInput[]): { sql: string; params: unknown[] } | null {
  if (events.length === 0) return null;
  const params: unknown[] = [];
  const rows = auditRows(principal, events).map((row) => `(${COLUMNS.map((column) => {
    params.push(column === "details" ? JSON.stringify(row.details) : row[column]);
    const cast = CASTS[column];
    return cast ? `$${params.length}::${cast}` : `$${params.length}`;
  }).join(", ")})`);
  return { sql: `INSERT INTO audit_event (${COLUMNS.join(", ")}) VALUES ${rows.join(", ")}`, params };
}

/** Writes the transaction's events as the last statement of its work (see auditInsert). */
export async function appendAuditEvents(ctx: ActorContext, principal: DbPrincipal, events: AuditInput[]): Promise<void> {
  const insert = auditInsert(principal, events);
  if (insert) await ctx.tx.$executeRawUnsafe(insert.sql, ...insert.params);
}
