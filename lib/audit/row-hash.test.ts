import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical";
import { addressDigest, GENESIS_HASH, legacyChainHash, sealHash, writerMac } from "./hashes";
import { contentOf, legacyRecordOf, type StoredEvent } from "./log-reader";
import { checkLink, expectedHash, writerMacValid } from "./row-hash";

const key = randomBytes(32);
const salt = "c2FsdC1vZi10aGlzLWV2ZW50";

type Content = Omit<StoredEvent, "seq" | "chain_seq" | "writer_mac" | "prev_hash" | "hash">;

/** A v3 event as the application writes and the sealer chains it at `chainSeq` after `prevHash`. */
function sealed(overrides: Partial<Content> = {}, prevHash = GENESIS_HASH, chainSeq = "7"): StoredEvent {
  const ip = "203.0.113.9";
  const userAgent = "Mozilla/5.0";
  const content: Content = {
    occurred_at: "2026-03-01T10:20:30.123000",
    actor_id: "0b5c7d1e-1111-4222-8333-444455556666",
    actor_role: "clinician",
    action: "chart.read",
    resource_type: "patient",
    resource_id: "0b5c7d1e-1111-4222-8333-444455556667",
    patient_pseudonym: "p_3f2a",
    outcome: "allowed",
    ip,
    user_agent: userAgent,
    request_id: "req-1",
    details: { fields: ["given_name", "dob"], reason: null },
    net_salt: salt,
    ip_digest: addressDigest(key, salt, "ip", ip),
    user_agent_digest: addressDigest(key, salt, "user_agent", userAgent),
    ...overrides,
  };
  const mac = writerMac(key, contentOf({ ...content, writer_mac: "" }));
  return { ...content, seq: "42", chain_seq: chainSeq, writer_mac: mac, prev_hash: prevHash, hash: sealHash(key, prevHash, chainSeq, mac, true) };
}

/** A v1 row, chained at insert over its whole canonical record; stored rows carry the literal MAC "v1". */
function legacy(overrides: Partial<StoredEvent> = {}): StoredEvent {
  const row: StoredEvent = {
    ...sealed({ net_salt: null, ip_digest: null, user_agent_digest: null }),
    writer_mac: "v1",
    ...overrides,
  };
  return { ...row, hash: legacyChainHash(key, row.prev_hash, legacyRecordOf(row)) };
}

const contentEdits: Partial<Content>[] = [
  { occurred_at: "2026-03-01T10:20:30.124000" },
  // A sub-millisecond edit: writers store milliseconds, so the extra digits are kept and no longer match.
  { occurred_at: "2026-03-01T10:20:30.123001" },
  { actor_id: "0b5c7d1e-1111-4222-8333-444455556660" },
  { actor_id: null },
  { actor_role: "admin" },
  { action: "chart.write" },
  { resource_type: "note" },
  { resource_id: "other" },
  { patient_pseudonym: "p_0000" },
  { outcome: "denied" },
  { request_id: "req-2" },
  { details: { fields: ["given_name"], reason: null } },
  { details: { fields: ["given_name", "dob"], reason: "audit" } },
];

describe("audit row link (what the verifier checks per row)", () => {
  it("accepts a sealed row as written, whatever key order jsonb returns its details in", () => {
    const row = sealed();
    expect(checkLink(key, GENESIS_HASH, row)).toBe("ok");
    expect(checkLink(key, GENESIS_HASH, { ...row, details: { reason: null, fields: ["given_name", "dob"] } })).toBe("ok");
    expect(writerMacValid(key, row)).toBe(true);
    expect(expectedHash(key, GENESIS_HASH, row)).toBe(row.hash);
  });

  it("breaks the link when any field of a sealed row is edited", () => {
    const row = sealed();
    for (const edit of contentEdits) {
      const edited = { ...row, ...edit };
      expect(checkLink(key, GENESIS_HASH, edited), JSON.stringify(edit)).toBe("broken");
      expect(writerMacValid(key, edited), JSON.stringify(edit)).toBe(false);
    }
  });

  it("breaks the link when the row names another predecessor, hash or position", () => {
    const row = sealed();
    const other = "a".repeat(64);
    expect(checkLink(key, other, row)).toBe("broken");
    expect(checkLink(key, other, { ...row, prev_hash: other })).toBe("broken");
    // Only the prev_hash column edited: the hash still fits the true predecessor, but the row no longer names it.
    expect(checkLink(key, GENESIS_HASH, { ...row, prev_hash: other })).toBe("broken");
    expect(checkLink(key, GENESIS_HASH, { ...row, hash: other })).toBe("broken");
    expect(checkLink(key, GENESIS_HASH, { ...row, chain_seq: "8" })).toBe("broken");
    // Reordering is detected by hashing the content at the position it claims to come from.
    expect(expectedHash(key, GENESIS_HASH, row, "8")).not.toBe(row.hash);
    expect(expectedHash(key, GENESIS_HASH, { ...row, chain_seq: "8" }, "7")).toBe(row.hash);
  });

  it("does not verify under another key", () => {
    const row = sealed();
    expect(checkLink(randomBytes(32), GENESIS_HASH, row)).toBe("broken");
    expect(writerMacValid(randomBytes(32), row)).toBe(false);
  });

  it("reports a row the sealer chained as a forgery (MAC not from the application's key) as forged, not ok", () => {
    const genuine = sealed();
    const forgedMac = "f".repeat(64);
    const forged = { ...genuine, writer_mac: forgedMac, hash: sealHash(key, GENESIS_HASH, "7", forgedMac, false) };
    expect(checkLink(key, GENESIS_HASH, forged)).toBe("forged");
    expect(expectedHash(key, GENESIS_HASH, forged)).toBe(forged.hash);
    // Making the MAC match afterwards does not turn a forgery into a genuine row: the seal recorded "forged".
    const laundered = { ...forged, writer_mac: genuine.writer_mac, hash: sealHash(key, GENESIS_HASH, "7", genuine.writer_mac, false) };
    expect(checkLink(key, GENESIS_HASH, laundered)).toBe("forged");
    // A "v1" MAC on a row sealed by the sealer never counts as genuine.
    const v1 = { ...genuine, writer_mac: "v1", hash: sealHash(key, GENESIS_HASH, "7", "v1", true) };
    expect(checkLink(key, GENESIS_HASH, v1)).toBe("broken");
    expect(writerMacValid(key, v1)).toBe(false);
  });

  it("a v3 row still verifies after its address and user agent are removed, but not after they are replaced", () => {
    const row = sealed();
    expect(checkLink(key, GENESIS_HASH, { ...row, ip: null })).toBe("ok");
    expect(checkLink(key, GENESIS_HASH, { ...row, user_agent: null })).toBe("ok");
    expect(checkLink(key, GENESIS_HASH, { ...row, ip: null, user_agent: null })).toBe("ok");
    expect(checkLink(key, GENESIS_HASH, { ...row, ip: "198.51.100.1" })).toBe("broken");
    expect(checkLink(key, GENESIS_HASH, { ...row, user_agent: "curl/8" })).toBe("broken");
    // The ip's value placed in the user agent column (and back) does not match: each digest names its field.
    expect(checkLink(key, GENESIS_HASH, { ...row, ip: row.user_agent, user_agent: row.ip })).toBe("broken");
    expect(checkLink(key, GENESIS_HASH, { ...row, ip_digest: row.user_agent_digest, user_agent_digest: row.ip_digest })).toBe("broken");
  });

  it("a raw address added where the writer recorded none is an insertion, not a redaction", () => {
    const row = sealed({ ip: null, ip_digest: null, user_agent: null, user_agent_digest: null });
    expect(checkLink(key, GENESIS_HASH, row)).toBe("ok");
    expect(checkLink(key, GENESIS_HASH, { ...row, ip: "203.0.113.9" })).toBe("broken");
    expect(checkLink(key, GENESIS_HASH, { ...row, user_agent: "Mozilla/5.0" })).toBe("broken");
  });

  it("a v2 row (no salt) covers its raw address and user agent, so neither can be removed", () => {
    const row = sealed({ net_salt: null, ip_digest: null, user_agent_digest: null });
    expect(checkLink(key, GENESIS_HASH, row)).toBe("ok");
    expect(checkLink(key, GENESIS_HASH, { ...row, ip: null })).toBe("broken");
    expect(checkLink(key, GENESIS_HASH, { ...row, user_agent: null })).toBe("broken");
    // Adding a salt and digests to a v2 row does not make it redactable.
    expect(checkLink(key, GENESIS_HASH, { ...row, net_salt: salt, ip_digest: sealed().ip_digest, user_agent_digest: sealed().user_agent_digest })).toBe("broken");
  });

  it("treats content no writer produces (a non-finite number from jsonb) as not genuine instead of throwing", () => {
    const row = sealed();
    const odd = { ...row, details: { dose: Number.POSITIVE_INFINITY } };
    expect(writerMacValid(key, odd)).toBe(false);
    expect(checkLink(key, GENESIS_HASH, odd)).toBe("broken");
    const oddLegacy = { ...legacy(), details: { dose: Number.POSITIVE_INFINITY } };
    expect(checkLink(key, GENESIS_HASH, oddLegacy)).toBe("broken");
    expect(expectedHash(key, GENESIS_HASH, oddLegacy)).toBe(sealHash(key, GENESIS_HASH, "7", "v1", false));
  });
});

describe("format v1 rows (chained at insert, before the sealer)", () => {
  it("verify as written and break when edited or moved", () => {
    const row = legacy();
    expect(checkLink(key, GENESIS_HASH, row)).toBe("ok");
    expect(expectedHash(key, GENESIS_HASH, row)).toBe(row.hash);
    expect(writerMacValid(key, row)).toBe(false);
    for (const edit of [...contentEdits, { ip: "198.51.100.1" }, { ip: null }, { user_agent: "curl/8" }]) {
      expect(checkLink(key, GENESIS_HASH, { ...row, ...edit }), JSON.stringify(edit)).toBe("broken");
    }
    expect(checkLink(key, GENESIS_HASH, { ...row, chain_seq: "8" })).toBe("broken");
    expect(expectedHash(key, GENESIS_HASH, row, "8")).not.toBe(row.hash);
  });

  it("hash the previous hash, a newline and the canonical record, as stored logs were written", () => {
    const row = legacy();
    const record = legacyRecordOf(row);
    expect(Object.keys(record).sort()).toEqual(
      ["action", "actorId", "actorRole", "details", "ip", "occurredAt", "outcome", "patientPseudonym", "requestId", "resourceId", "resourceType", "seq", "userAgent"],
    );
    expect(record).toMatchObject({ seq: "7", occurredAt: "2026-03-01T10:20:30.123Z", ip: "203.0.113.9", userAgent: "Mozilla/5.0" });
    const spec = createHmac("sha256", key).update(`${GENESIS_HASH}\n${canonicalJson(record as never)}`).digest("hex");
    expect(row.hash).toBe(spec);
  });
});

describe("stored formats (logs already written must keep verifying)", () => {
  const hmac = (text: string) => createHmac("sha256", key).update(text).digest("hex");

  it("the v3 writer MAC covers the address digests in a fixed-order JSON array", () => {
    const row = sealed();
    expect(row.writer_mac).toBe(hmac(JSON.stringify([
      "custodia-audit-event/v3", "2026-03-01T10:20:30.123Z", row.actor_id, "clinician", "chart.read", "patient", row.resource_id,
      "p_3f2a", "allowed", salt, row.ip_digest, row.user_agent_digest, "req-1", canonicalJson(row.details),
    ])));
  });

  it("the v2 writer MAC covers the raw address and user agent", () => {
    const row = sealed({ net_salt: null, ip_digest: null, user_agent_digest: null });
    expect(row.writer_mac).toBe(hmac(JSON.stringify([
      "custodia-audit-event/v2", "2026-03-01T10:20:30.123Z", row.actor_id, "clinician", "chart.read", "patient", row.resource_id,
      "p_3f2a", "allowed", "203.0.113.9", "Mozilla/5.0", "req-1", canonicalJson(row.details),
    ])));
  });

  it("the seal names predecessor, position, MAC and verdict; the address digest names its field and salt", () => {
    expect(sealHash(key, GENESIS_HASH, "7", "m", true)).toBe(hmac(`custodia-audit-seal/v2\n${GENESIS_HASH}\n7\nm\naccepted`));
    expect(sealHash(key, GENESIS_HASH, "7", "m", false)).toBe(hmac(`custodia-audit-seal/v2\n${GENESIS_HASH}\n7\nm\nforged`));
    expect(addressDigest(key, salt, "ip", "203.0.113.9")).toBe(hmac(JSON.stringify(["custodia-audit-address/v3", "ip", salt, "203.0.113.9"])));
    expect(addressDigest(key, salt, "user_agent", null)).toBeNull();
    expect(GENESIS_HASH).toBe("0".repeat(64));
  });
});
