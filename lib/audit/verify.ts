import "server-only";
import type { KeyObject } from "node:crypto";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem } from "@/lib/db/transaction";
import type { JsonValue } from "./canonical";
import { checkpointFile, checkpointKeyId, checkpointSignatureValid, headFile, readCheckpointFile, readHeadFile, type Checkpoint } from "./checkpoint";
import { classify, type TamperKind } from "./classify";
import { GENESIS_HASH } from "./hashes";
import { CHECKPOINT_COLUMNS, checkpointOf, EVENT_COLUMNS, LogReader, type StoredCheckpoint, type StoredEvent } from "./log-reader";
import { checkLink } from "./row-hash";

export type { TamperKind } from "./classify";

export type VerifyResult =
  | {
      ok: true;
      events: number;
      lastSeq: number;
      lastHash: string;
      /** Seqs where a signed checkpoint (table or file) matched the log. */
      checkpoints: number;
      /** Lines of the file signed by another key (a benchmark or another deployment writing there): no evidence either way. */
      ignoredCheckpoints: number;
      /** Events committed but not yet chained by the sealer: not covered by this verification. */
      unsealed: number;
    }
  | { ok: false; firstBadSeq: number; kind: TamperKind; detail: string };

export interface VerifyOptions {
  /** Another database, e.g. a restored backup; defaults to the app's DATABASE_URL. */
  databaseUrl?: string;
  /** The external checkpoints to hold the log against; defaults to checkpointFile(). */
  checkpointFile?: string;
  /** The published head to hold the log's end against; defaults to headFile(). */
  headFile?: string;
  batchSize?: number;
  /** Append the "audit.verify" event (default); off only where the log must stay as it is, e.g. tamper drills. */
  record?: boolean;
  request?: RequestMeta;
  onBehalfOf?: string | null;
}

/** A checkpoint from outside the database and where it was found. */
interface External {
  cp: Checkpoint;
  where: string;
}

type Failure = Extract<VerifyResult, { ok: false }>;
const fail = (firstBadSeq: number, kind: TamperKind, detail: string): Failure => ({ ok: false, firstBadSeq, kind, detail });

/**
 * Verifies the whole sealed audit log, streaming it in keyset batches: contiguous chain_seq from 1, each
 * prev_hash linking to the row before, each link HMAC and writer MAC, and every signed checkpoint (in the table,
 * in the external file and the published head) valid and matching the log. Positions reported are chain_seq. Reports the first bad seq and what most likely happened there (see classify.ts).
 * Must not be called inside a transaction: it reads on its own connection, then records the outcome.
 */
export async function verifyAuditLog(options: VerifyOptions = {}): Promise<VerifyResult> {
  const url = options.databaseUrl ?? config().databaseUrl;
  if (!url) throw new Error("verifyAuditLog: no database (DATABASE_URL is not set)");
  // Read before the log's end is fixed: each line was written after its events committed, so none may lie beyond it.
  const file = options.checkpointFile ?? checkpointFile();
  const head = options.headFile ?? (options.checkpointFile ? null : headFile());
  const publishedHead = head ? readHeadFile(head) : null;
  const external = [
    ...readCheckpointFile(file).map((cp) => ({ cp, where: `in ${file}` })),
    ...(publishedHead ? [{ cp: publishedHead, where: `in ${head}` }] : []),
  ];
  const db = await LogReader.open(url);
  let result: VerifyResult;
  try {
    result = await new Verification(db, external, options.batchSize ?? 5000).run();
  } finally {
    await db.close();
  }
  if (options.record ?? true) {
    const details: { [key: string]: JsonValue } = result.ok
      ? { ok: true, events: result.events }
      : { ok: false, events: result.firstBadSeq - 1, firstBadSeq: result.firstBadSeq, kind: result.kind };
    await withSystem(options.request ?? noRequest, async ({ audit }) => audit({ action: "audit.verify", details }), options.onBehalfOf ?? null);
  }
  return result;
}

class Verification {
  private readonly key = keyProvider().secret("auditHmac");
  private readonly publicKey: KeyObject = keyProvider().auditSigningKey().publicKey;
  private readonly external = new Map<number, External[]>();
  private readonly ignored: number;
  private readonly anchored = new Set<number>();
  private lastAnchored = 0;

  constructor(
    private readonly db: LogReader,
    externalList: External[],
    private readonly batchSize: number,
  ) {
    const keyId = checkpointKeyId(this.publicKey);
    const ours = externalList.filter((e) => e.cp.keyId === keyId);
    this.ignored = externalList.length - ours.length;
    for (const e of ours) this.external.set(Number(e.cp.seq), [...(this.external.get(Number(e.cp.seq)) ?? []), e]);
  }

  async run(): Promise<VerifyResult> {
    // One statement, so the end and "checkpoints beyond it" come from one snapshot: a checkpoint commits with its events.
    const [bounds] = await this.db.query<StoredCheckpoint & { end_seq: string; unsealed: string; below: string | null }>(
      `SELECT e.end_seq::text AS end_seq, e.unsealed::text AS unsealed, e.below::text AS below, c.* FROM
         (SELECT coalesce(max(chain_seq), 0) AS end_seq, (SELECT count(*) FROM audit_event WHERE chain_seq IS NULL) AS unsealed,
            (SELECT min(chain_seq) FROM audit_event WHERE chain_seq < 1) AS below FROM audit_event) e
       LEFT JOIN LATERAL (SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE seq > e.end_seq ORDER BY seq LIMIT 1) c ON true`,
    );
    const end = Number(bounds?.end_seq ?? 0);
    // Migration 0019 refuses such positions; only someone who lifted the constraint can have put a row there.
    if (bounds?.below) {
      return fail(Number(bounds.below), "inserted", `an event sits at chain position ${bounds.below}, outside the chain, where neither the sealer nor a verification would see it`);
    }
    let expected = 1;
    let prevHash = GENESIS_HASH;
    // Pipelined: the next batch is read while this one is hashed.
    let next = expected <= end ? this.fetch(expected, end) : null;
    while (expected <= end) {
      const { rows, internal } = await next!;
      // The end row exists and the log is append-only, so only a concurrent tamper can leave this empty.
      if (rows.length === 0) return fail(expected, "deleted", `the rows from seq ${expected} to ${end} vanished while being verified`);
      const last = Number(rows.at(-1)!.chain_seq);
      next = last < end ? this.fetch(last + 1, end) : null;
      for (const [i, row] of rows.entries()) {
        const seq = Number(row.chain_seq);
        if (seq !== expected) {
          const missing = seq - 1 > expected ? `seqs ${expected} to ${seq - 1} are` : `seq ${expected} is`;
          return fail(expected, "deleted", `${missing} missing: the log jumps from ${expected - 1} to ${seq}`);
        }
        const checkpoints = this.checkpointsAt(seq, internal.get(seq));
        const forged = checkpoints.find((c) => !c.valid);
        const link = checkLink(this.key, prevHash, row);
        if (link === "forged") {
          return fail(seq, "inserted", `seq ${seq} (event ${row.seq}) was written without the application's key and sealed as a forgery`);
        }
        if (link === "broken") {
          const next = rows[i + 1] ?? (await this.rowAfter(seq));
          const vouchedFor = new Set([...checkpoints.filter((c) => c.valid).map((c) => c.cp.hash), ...(next ? [next.prev_hash] : [])]);
          const finding = await classify(this.db, this.key, row, prevHash, vouchedFor);
          return fail(seq, finding.kind, finding.detail);
        }
        if (forged) return fail(seq, "modified", `the checkpoint at seq ${seq} ${forged.where} has an invalid signature`);
        const contradicted = checkpoints.find((c) => c.cp.hash !== row.hash);
        if (contradicted?.where === "in the database") {
          return fail(seq, "modified", `the log at seq ${seq} differs from its signed checkpoint: rewritten with the HMAC key`);
        }
        if (contradicted) {
          return fail(seq, "rolled-back", `the log at seq ${seq} differs from the checkpoint signed at ${contradicted.cp.signedAt} ${contradicted.where}: ` +
            `the database was restored or rewritten after seq ${this.lastAnchored}`);
        }
        if (checkpoints.length > 0) {
          this.anchored.add(seq);
          this.lastAnchored = seq;
        }
        prevHash = row.hash;
        expected += 1;
      }
    }
    const beyond = this.firstBeyond(end, bounds?.seq ? checkpointOf(bounds) : undefined);
    if (beyond) {
      return beyond.valid
        ? fail(end + 1, "truncated", `a checkpoint signed at ${beyond.cp.signedAt} ${beyond.where} vouches for seq ${beyond.cp.seq}, but the log ends at ${end}`)
        : fail(Number(beyond.cp.seq), "modified", `the checkpoint at seq ${beyond.cp.seq} ${beyond.where} has an invalid signature`);
    }
    return {
      ok: true, events: end, lastSeq: end, lastHash: prevHash, checkpoints: this.anchored.size, ignoredCheckpoints: this.ignored,
      unsealed: Number(bounds?.unsealed ?? 0),
    };
  }

  /** A batch of sealed rows from `from` and the database's checkpoints among them; never rejects unobserved. */
  private fetch(from: number, end: number): Promise<{ rows: StoredEvent[]; internal: Map<number, Checkpoint> }> {
    const batch = (async () => {
      const rows = await this.db.query<StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM audit_event WHERE chain_seq >= $1 AND chain_seq <= $2 ORDER BY audit_event.chain_seq LIMIT $3`,
        [from, end, this.batchSize],
      );
      const last = rows.length > 0 ? Number(rows.at(-1)!.chain_seq) : from;
      const stored = await this.db.query<StoredCheckpoint>(
        `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE seq >= $1 AND seq <= $2`,
        [from, last],
      );
      return { rows, internal: new Map(stored.map((row) => [Number(row.seq), checkpointOf(row)])) };
    })();
    // A verification that stops early leaves the prefetched batch unread.
    batch.catch(() => undefined);
    return batch;
  }

  private checkpointsAt(seq: number, internal: Checkpoint | undefined) {
    const found = [
      ...(internal ? [{ cp: internal, where: "in the database" }] : []),
      ...(this.external.get(seq) ?? []),
    ];
    return found.map((c) => ({ ...c, valid: c.cp.seq === String(seq) && checkpointSignatureValid(c.cp, this.publicKey) }));
  }

  private firstBeyond(end: number, internal: Checkpoint | undefined) {
    const externalSeq = Math.min(...[...this.external.keys()].filter((seq) => seq > end));
    const candidates = [
      ...(internal ? [{ cp: internal, where: "in the database" }] : []),
      ...(this.external.get(externalSeq) ?? []),
    ].sort((a, b) => Number(a.cp.seq) - Number(b.cp.seq));
    const first = candidates[0];
    return first && { ...first, valid: checkpointSignatureValid(first.cp, this.publicKey) };
  }

  private async rowAfter(seq: number): Promise<StoredEvent | undefined> {
    const [next] = await this.db.query<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM audit_event WHERE chain_seq > $1 ORDER BY audit_event.chain_seq LIMIT 1`, [seq]);
    return next;
  }
}
