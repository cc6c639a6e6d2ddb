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
  /**
   * Format v3 (migration 0037): a random per-event salt and keyed digests of ip and user agent. The writer MAC
   * covers the digests, not the raw values, so the raw values can be removed after their retention period and
   * the row still verifies. Null salt: a v2 row, whose MAC covers the raw values (never redactable).
   */
  netSalt: string | null;
  ipDigest: string | null;
  userAgentDigest: string | null;
}

/** A format-v1 row (chained at insert, before migration 0012): the content plus its chain position. */
export type LegacyRecord = Omit<EventContent, "netSalt" | "ipDigest" | "userAgentDigest"> & { seq: string };

export const GENESIS_HASH = "0".repeat(64);
/** writer_mac of the rows chained at insert before the sealer existed. */
export const LEGACY_WRITER_MAC = "v1";

/**
 * The keyed digest of an address or user agent (v3). Keyed, so a dump of the database cannot be searched for
 * a known address (IPv4 has only 2^32 values); salted per event, so redacted rows cannot be linked by address.
 */
export function addressDigest(key: Buffer, salt: string, field: "ip" | "user_agent", value: string | null): string | null {
  if (value === null) return null;
  return createHmac("sha256", key).update(JSON.stringify(["custodia-audit-address/v3", field, salt, value])).digest("hex");
}

/**
 * Fixed field order, one JSON array: no key sorting on the hot path. Only `details` (jsonb hands its keys back
 * in its own order) goes through canonicalJson.
 */
function serialize(c: EventContent): string {
  if (c.netSalt !== null) {
    return JSON.stringify([
      "custodia-audit-event/v3", c.occurredAt, c.actorId, c.actorRole, c.action, c.resourceType, c.resourceId,
      c.patientPseudonym, c.outcome, c.netSalt, c.ipDigest, c.userAgentDigest, c.requestId, canonicalJson(c.details),
    ]);
  }
  return JSON.stringify([
    "custodia-audit-event/v2", c.occurredAt, c.actorId, c.actorRole, c.action, c.resourceType, c.resourceId,
    c.patientPseudonym, c.outcome, c.ip, c.userAgent, c.requestId, canonicalJson(c.details),
  ]);
}

/**
 * Computed by the writing transaction: proves the content came from the application, not from SQL alone. A v3
 * MAC does not cover the raw ip and user agent: row-hash.ts checks those against their digests separately.
 */
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
