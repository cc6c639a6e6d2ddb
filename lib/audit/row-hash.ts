import { addressDigest, legacyChainHash, LEGACY_WRITER_MAC, sealHash, writerMac } from "./hashes";
import { contentOf, legacyRecordOf, type StoredEvent } from "./log-reader";

/**
 * A v3 row's raw address or user agent against its digest: present and matching, or removed (NULL) after its
 * retention period. A raw value where the writer had none (no digest) is an insertion, not a redaction.
 */
function rawMatches(key: Buffer, salt: string, field: "ip" | "user_agent", raw: string | null, digest: string | null): boolean {
  if (raw === null) return true;
  return digest !== null && addressDigest(key, salt, field, raw) === digest;
}

/** Whether the row's content still matches the MAC its writer computed (and, v3, the raw values their digests). */
export function writerMacValid(key: Buffer, row: StoredEvent): boolean {
  if (row.writer_mac === LEGACY_WRITER_MAC) return false;
  try {
    if (writerMac(key, contentOf(row)) !== row.writer_mac) return false;
    return row.net_salt === null
      || (rawMatches(key, row.net_salt, "ip", row.ip, row.ip_digest) && rawMatches(key, row.net_salt, "user_agent", row.user_agent, row.user_agent_digest));
  } catch {
    // Content our writers never produce (jsonb accepts 1e400, JSON.parse makes it Infinity): not theirs. Never
    // thrown on, or one such row would stop the sealer and the verifier for good.
    return false;
  }
}

/** The v1 link of a row, or null for content no v1 writer could have hashed. */
function legacyHash(key: Buffer, prevHash: string, row: StoredEvent, at: string): string | null {
  try {
    return legacyChainHash(key, prevHash, legacyRecordOf(row, at));
  } catch {
    return null;
  }
}

/**
 * The hash the row should carry after `prevHash`, placed at chain position `at` (another position when testing
 * for reordering). A row whose content no longer matches its writer MAC gets the hash of a forgery, which the
 * stored hash of a genuine row never equals: an edit after sealing breaks the chain like an edit of a v1 row.
 */
export function expectedHash(key: Buffer, prevHash: string, row: StoredEvent, at = row.chain_seq): string {
  if (row.writer_mac === LEGACY_WRITER_MAC) return legacyHash(key, prevHash, row, at) ?? sealHash(key, prevHash, at, row.writer_mac, false);
  return sealHash(key, prevHash, at, row.writer_mac, writerMacValid(key, row));
}

/**
 * The verifier's per-row check, two HMACs for a healthy row: "ok" when the row links to `prevHash` as sealed
 * from genuine content, "forged" when the sealer chained it as written without the application's key (a "v1"
 * MAC included: never valid for a sealed row), "broken" when the link does not hold (classify.ts says why).
 */
export function checkLink(key: Buffer, prevHash: string, row: StoredEvent): "ok" | "forged" | "broken" {
  if (row.prev_hash !== prevHash) return "broken";
  const genuine = row.writer_mac === LEGACY_WRITER_MAC
    ? legacyHash(key, prevHash, row, row.chain_seq)
    : writerMacValid(key, row) ? sealHash(key, prevHash, row.chain_seq, row.writer_mac, true) : null;
  if (genuine === row.hash) return "ok";
  return sealHash(key, prevHash, row.chain_seq, row.writer_mac, false) === row.hash ? "forged" : "broken";
}
