import "server-only";
import type { LogReader, StoredEvent } from "./log-reader";
import { expectedHash } from "./row-hash";

export type TamperKind = "modified" | "deleted" | "inserted" | "reordered" | "duplicated" | "truncated" | "rolled-back";

export interface Finding {
  kind: TamperKind;
  detail: string;
}

/**
 * Why `row` breaks the chain, given that every row before it verified and `prevHash` is the hash of the row
 * before it. `vouchedFor` holds the hashes something trustworthy names for this seq: the next row's prev_hash
 * and any validly signed checkpoint here. Heuristics, first match wins:
 * 1. modified: the content, hashed from the true predecessor, gives a vouched-for hash, so the content is
 *    intact and only its prev_hash/hash columns were changed;
 * 2. duplicated: an earlier row has the same content (everything but its id and chain columns);
 * 3. reordered: its HMAC verifies at another seq (the one after the row holding its prev_hash, or the one
 *    before the row naming its hash as prev_hash): a row's content was moved to another position;
 * 4. modified: its HMAC fails but its stored hash is still vouched for: content edited in place;
 * 5. inserted: nothing vouches for it, so it is a forgery (the chain shows no trace of it).
 * Deleted (a gap in seq), truncated and rolled-back (contradicted checkpoints) are found by the verifier.
 */
export async function classify(db: LogReader, key: Buffer, row: StoredEvent, prevHash: string, vouchedFor: Set<string>): Promise<Finding> {
  const seq = row.chain_seq;
  const trueHash = expectedHash(key, prevHash, row);
  if (vouchedFor.has(trueHash)) {
    const changed = [row.prev_hash !== prevHash && "prev_hash", row.hash !== trueHash && "hash"].filter(Boolean).join(" and ");
    return { kind: "modified", detail: `the ${changed} of seq ${seq} was changed; its content is intact` };
  }

  // Only consulted once something is wrong, so these unindexed lookups cost nothing on a healthy log.
  const [twin] = await db.query<{ seq: string }>(
    `SELECT e.chain_seq::text AS seq FROM audit_event e, audit_event t
     WHERE t.chain_seq = $1 AND e.chain_seq < t.chain_seq AND e.occurred_at = t.occurred_at
       AND to_jsonb(e) - 'seq' - 'chain_seq' - 'prev_hash' - 'hash' = to_jsonb(t) - 'seq' - 'chain_seq' - 'prev_hash' - 'hash'
     ORDER BY e.chain_seq LIMIT 1`,
    [seq],
  );
  if (twin) return { kind: "duplicated", detail: `seq ${seq} repeats the content of seq ${twin.seq}` };

  const candidates = await db.query<{ seq: string }>(
    `SELECT (chain_seq + 1)::text AS seq FROM audit_event WHERE hash = $1 AND chain_seq <> $3
     UNION SELECT (chain_seq - 1)::text FROM audit_event WHERE prev_hash = $2 AND chain_seq <> $3`,
    [row.prev_hash, row.hash, seq],
  );
  for (const candidate of candidates) {
    if (candidate.seq !== seq && expectedHash(key, row.prev_hash, row, candidate.seq) === row.hash) {
      return { kind: "reordered", detail: `seq ${seq} holds the event signed as seq ${candidate.seq}` };
    }
  }

  if (vouchedFor.has(row.hash)) return { kind: "modified", detail: `seq ${seq} was edited in place: its HMAC no longer matches` };
  return { kind: "inserted", detail: `seq ${seq} has an HMAC that does not verify and nothing in the chain refers to it` };
}
