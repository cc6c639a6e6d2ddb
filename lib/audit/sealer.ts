import { noRequest } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem, type Tx } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";
import { ForeignCheckpoint, publishCheckpoints, signCheckpoint, storeCheckpoint, type Checkpoint } from "./checkpoint";
import { GENESIS_HASH, sealHash } from "./hashes";
import { EVENT_COLUMNS, type StoredEvent } from "./log-reader";
import { writerMacValid } from "./row-hash";

// One sealer at a time across every instance: the lock lives as long as one sealing transaction.
export const SEALER_LOCK_KEY = 7_364_291_002n;
const BATCH = 5000;

/** Outcome of one sealing pass: null when another instance holds the sealer's lock. */
export type SealPass = { sealed: number } | null;

interface Position {
  chainSeq: bigint;
  hash: string;
  checkpointSeq: bigint;
  checkpointSince: Date;
}

async function position(tx: Tx): Promise<Position> {
  // With no checkpoint yet the clock starts at the first event, so a young log is not signed on every pass.
  const [row] = await tx.$queryRaw<{ chain_seq: bigint | null; hash: string | null; cp_seq: bigint | null; since: Date | null }[]>`
    SELECT h.chain_seq, h.hash, c.seq AS cp_seq,
      coalesce(c.signed_at, (SELECT occurred_at FROM audit_event WHERE chain_seq = 1)) AS since
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (SELECT chain_seq, hash FROM audit_event WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1) h ON true
    LEFT JOIN LATERAL (SELECT seq, signed_at FROM audit_checkpoint ORDER BY seq DESC LIMIT 1) c ON true`;
  return {
    chainSeq: row?.chain_seq ?? 0n,
    hash: row?.hash ?? GENESIS_HASH,
    checkpointSeq: row?.cp_seq ?? 0n,
    checkpointSince: row?.since ?? new Date(),
  };
}

/**
 * Chains up to BATCH committed, unsealed events, in id order, after the head: each gets the next chain_seq and
 * an HMAC link over the previous hash, its position and its writer MAC. Signs a checkpoint every N events or
 * M minutes (inside the batch, at the exact position) and, after commit, publishes the batch's head outside
 * the database, so a deleted tail is detected from the next verification on. One transaction: a crash seals
 * nothing, and the next pass starts again from the same head.
 */
export async function sealPass(): Promise<SealPass> {
  const outcome = await withSystem(noRequest, async ({ tx }) => {
    const [{ leader } = { leader: false }] = await tx.$queryRaw<{ leader: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK_KEY}) AS leader`;
    if (!leader) return null;
    const pending = await tx.$queryRawUnsafe<StoredEvent[]>(
      `SELECT ${EVENT_COLUMNS} FROM audit_event WHERE chain_seq IS NULL ORDER BY audit_event.seq LIMIT $1`,
      BATCH,
    );
    if (pending.length === 0) return { sealed: 0, checkpoints: [], head: null };
    const key = keyProvider().secret("auditHmac");
    const at = await position(tx);
    const { every, minutes } = config().checkpointCadence;
    const ids: string[] = [];
    const chainSeqs: string[] = [];
    const prevHashes: string[] = [];
    const hashes: string[] = [];
    const due: { seq: bigint; hash: string }[] = [];
    let chainSeq = at.chainSeq;
    let prevHash = at.hash;
    for (const row of pending) {
      chainSeq += 1n;
      const accepted = writerMacValid(key, row);
      if (!accepted) log().error({ event: row.seq }, "audit event without a valid writer MAC sealed as a forgery");
      const hash = sealHash(key, prevHash, chainSeq.toString(), row.writer_mac, accepted);
      ids.push(row.seq);
      chainSeqs.push(chainSeq.toString());
      prevHashes.push(prevHash);
      hashes.push(hash);
      if (chainSeq - (due.at(-1)?.seq ?? at.checkpointSeq) >= BigInt(every)) due.push({ seq: chainSeq, hash });
      prevHash = hash;
    }
    const lastSigned = due.length > 0 ? Date.now() : at.checkpointSince.getTime();
    if (due.at(-1)?.seq !== chainSeq && Date.now() - lastSigned >= minutes * 60_000) due.push({ seq: chainSeq, hash: prevHash });
    await tx.$executeRawUnsafe(
      `UPDATE audit_event a SET chain_seq = v.chain_seq, prev_hash = v.prev_hash, hash = v.hash
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, chain_seq, prev_hash, hash)
       WHERE a.seq = v.id AND a.chain_seq IS NULL`,
      ids, chainSeqs, prevHashes, hashes,
    );
    const checkpoints: Checkpoint[] = [];
    for (const cp of due) {
      try {
        checkpoints.push(await storeCheckpoint(tx, cp.seq, cp.hash));
      } catch (error) {
        // Not ours: the verifier reports the row; sealing goes on, so the log keeps being chained and signed.
        if (!(error instanceof ForeignCheckpoint)) throw error;
        log().error({ seq: cp.seq.toString() }, error.message);
      }
    }
    return { sealed: pending.length, checkpoints, head: signCheckpoint(chainSeq, prevHash) };
  });
  // After commit: what is published outside must never vouch for events that did not commit.
  if (outcome?.head) publishCheckpoints(outcome.checkpoints, outcome.head);
  return outcome && { sealed: outcome.sealed };
}

/** Seals until nothing committed is left unsealed (scripts, tests, before a verification or a backup). */
export async function sealAll(timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let total = 0;
  for (;;) {
    const pass = await sealPass();
    if (pass?.sealed === 0) return total;
    if (pass) total += pass.sealed;
    // Another instance is sealing: wait for it rather than race it.
    else if (Date.now() > deadline) throw new Error("sealAll: another instance held the audit sealer for too long");
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The server's sealing loop: a pass every `intervalMs`, never two at once in this process, and across
 * instances only the one holding the lock seals. Returns a stop function that waits for the running pass.
 */
export function startSealer(intervalMs: number): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      // A full batch means more is waiting: go again at once instead of waiting for the next tick.
      for (let pass = await sealPass(); !stopped && pass?.sealed === BATCH; pass = await sealPass());
    } catch (error) {
      log().error({ err: error }, "audit sealer pass failed; retrying on the next tick");
    }
  };
  const schedule = () => setTimeout(() => (running = tick().finally(() => { if (!stopped) timer = schedule(); })), intervalMs).unref();
  let timer = schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
