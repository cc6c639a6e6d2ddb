import { keyProvider } from "@/lib/crypto/keys";
import { pseudonym } from "@/lib/crypto/pseudonym";
import type { ActorContext, DbPrincipal } from "@/lib/db/transaction";
import type { JsonValue } from "./canonical";
import { writerMac, type AuditOutcome, type EventContent } from "./hashes";

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
  "outcome", "ip", "user_agent", "request_id", "details", "writer_mac"] as const;
const CASTS: Partial<Record<(typeof COLUMNS)[number], string>> = { occurred_at: "timestamptz", actor_id: "uuid", details: "jsonb" };

/**
 * Writes the transaction's events in one INSERT, unchained and under no lock: it commits or rolls back with
 * the work it records (no access without its log line), and the sealer (sealer.ts) chains it after commit.
 */
export async function appendAuditEvents(ctx: ActorContext, principal: DbPrincipal, events: AuditInput[]): Promise<void> {
  const insert = auditInsert(principal, events);
  if (insert) await ctx.tx.$executeRawUnsafe(insert.sql, ...insert.params);
}

/** The one INSERT for a transaction's events, for whichever connection runs the transaction; null if none. */
export function auditInsert(principal: DbPrincipal, events: AuditInput[]): { sql: string; params: unknown[] } | null {
  if (events.length === 0) return null;
  const key = keyProvider().secret("auditHmac");
  const occurredAt = new Date().toISOString();
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const event of events) {
    const content: EventContent = {
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
    const values = [content.occurredAt, content.actorId, content.actorRole, content.action, content.resourceType,
      content.resourceId, content.patientPseudonym, content.outcome, content.ip, content.userAgent, content.requestId,
      JSON.stringify(content.details), writerMac(key, content)];
    rows.push(`(${values.map((value, i) => {
      params.push(value);
      const cast = CASTS[COLUMNS[i]!];
      return cast ? `$${params.length}::${cast}` : `$${params.length}`;
    }).join(", ")})`);
  }
  return { sql: `INSERT INTO audit_event (${COLUMNS.join(", ")}) VALUES ${rows.join(", ")}`, params };
}
