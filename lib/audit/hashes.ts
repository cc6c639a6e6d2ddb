import { createHmac } from "node:crypto";
import { canonicalJson, type JsonValue } from "./canonical";

export type AuditOutcome = "allowed" | "denied" | "error";

/** An event's content as its writer MAC covers it: everything but the id and the chain columns. */
export interface EventContent {
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

/** A format-v1 row (chained at insert, before migration 0012): the content plus its chain position. */
export type LegacyRecord = EventContent & { seq: string };

export const GENESIS_HASH = "0".repeat(64);
/** writer_mac of the rows chained at insert before the sealer existed. */
export const LEGACY_WRITER_MAC = "v1";

/**
 * Fixed field order, one JSON array: no key sorting on the hot path. Only `details` (jsonb hands its keys back
 * in its own order) goes through canonicalJson.
 */
function serialize(c: EventContent): string {
  return JSON.stringify([
    "custodia-audit-event/v2", c.occurredAt, c.actorId, c.actorRole, c.action, c.resourceType, c.resourceId,
    c.patientPseudonym, c.outcome, c.ip, c.userAgent, c.requestId, canonicalJson(c.details),
  ]);
}

/** Computed by the writing transaction: proves the content came from the application, not from SQL alone. */
export function writerMac(key: Buffer, content: EventContent): string {
  return createHmac("sha256", key).update(serialize(content)).digest("hex");
}

/**
 * The chain link the sealer writes at `chainSeq`. `accepted` says whether the writer MAC verified when the
 * event was sealed: a row inserted without the application's key is still chained (the sealer never stalls),
 * but chained as a forgery, so the verifier reports it as inserted even if its MAC is later made to match.
 */
export function sealHash(key: Buffer, prevHash: string, chainSeq: string, mac: string, accepted: boolean): string {
  return createHmac("sha256", key)
    .update(`custodia-audit-seal/v2\n${prevHash}\n${chainSeq}\n${mac}\n${accepted ? "accepted" : "forged"}`)
    .digest("hex");
}

/** Format v1: the HMAC over the previous hash and the whole canonical record. */
export function legacyChainHash(key: Buffer, prevHash: string, record: LegacyRecord): string {
  return createHmac("sha256", key)
    .update(prevHash)
    .update("\n")
    .update(canonicalJson(record as unknown as JsonValue))
    .digest("hex");
}
