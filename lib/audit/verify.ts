import "server-only";
import type { KeyObject } from "node:crypto";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { recordSystemEvents } from "@/lib/db/transaction";
import type { JsonValue } from "./canonical";
import { checkpointFile, checkpointKeyId, checkpointSignatureValid, headFile, readCheckpointFile, readHeadFile, type Checkpoint } from "./checkpoint";
import { classify, type TamperKind } from "./classify";
import { GENESIS_HASH } from "./hashes";
import { CHECKPOINT_COLUMNS, checkpointOf, EVENT_COLUMNS, LogReader, type StoredCheckpoint, type StoredEvent } from "./log-reader";
import { checkLink } from "./row-hash";

export type { TamperKind } from "./classify";

/** One problem in the log: where (chain position) and what most likely happened there. */
export interface Problem {
  seq: number;
  kind: TamperKind;
  detail: string;
}

/** The verifier lists at most this many problems: enough to see the extent of a tampering, bounded in memory. */
export const MAX_PROBLEMS = 100;

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
  | {
      ok: false;
      /** The first problem, as before: every event before it verified. */
      firstBadSeq: number;
      kind: TamperKind;
      detail: string;
      /** Every problem found, in chain order, the first one included, up to MAX_PROBLEMS. */
      problems: Problem[];
      /** True when there were more problems than the list holds. */
      moreProblems: boolean;
    };

export interface VerifyOptions {
  /** Another database, e.g. a restored backup; defaults to the app's DATABASE_URL. */
  databaseUrl?: string;
  /** The external checkpoints to hold the log against; defaults to checkpointFile(). */
  checkpointFile?: string;
  /** The published head to hold the log's end against; defaults to headFile(). */
  headFile?: string;
  batchSize?: number;
  /** Connections reading and checking parts of the chain in parallel (4 unless told). */
  segments?: number;
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

/** A problem whose detail may name the last anchored position before it, known only once every segment is done. */
interface Found extends Problem {
  rolledBack?: { signedAt: string; where: string };
}

interface SegmentOutcome {
  found: Found[];
  anchored: number[];
  /** The hash of the segment's last row, as stored. */
  lastHash: string;
  /** Stopped at MAX_PROBLEMS: problems after the last one found may exist. */
  full: boolean;
}

/**
 * Verifies the whole sealed audit log: contiguous chain_seq from 1, each prev_hash linking to the row before, each
 * link HMAC and writer MAC, and every signed checkpoint (in the table, in the external file and the published
 * head) valid and matching the log. Positions reported are chain_seq. The chain is cut into segments checked in
 * parallel, each on its own connection, streaming keyset batches; every row's check needs only the row and the
 * hash before it, so the result is the one a single pass would give. A problem does not stop the verification:
 * each is classified (classify.ts), and the check carries on from the next row as it stands, so one tampered
 * spot gives one finding and the list shows how far a tampering reaches.
 * Must not be called inside a transaction: it reads on its own connections, then records the outcome.
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
  const result = await new Verification(url, external, options.batchSize ?? 5000, options.segments ?? 4).run();
  if (options.record ?? true) {
    const details: { [key: string]: JsonValue } = result.ok
      ? { ok: true, events: result.events }
      : { ok: false, events: result.firstBadSeq - 1, firstBadSeq: result.firstBadSeq, kind: result.kind, problems: result.problems.length, moreProblems: result.moreProblems };
    await recordSystemEvents(options.request ?? noRequest, [{ action: "audit.verify", details }], options.onBehalfOf ?? null);
  }
  return result;
}

interface Batch {
  rows: StoredEvent[];
  internal: Map<number, Checkpoint>;
}

const NO_CHECKPOINTS: { cp: Checkpoint; where: string; valid: boolean }[] = [];

class Verification {
  private readonly key = keyProvider().secret("auditHmac");
  private readonly publicKey: KeyObject = keyProvider().auditSigningKey().publicKey;
  private readonly external = new Map<number, External[]>();
  private readonly ignored: number;

  constructor(
    private readonly url: string,
    externalList: External[],
    private readonly batchSize: number,
    private readonly segments: number,
  ) {
    const keyId = checkpointKeyId(this.publicKey);
    const ours = externalList.filter((e) => e.cp.keyId === keyId);
    this.ignored = externalList.length - ours.length;
    for (const e of ours) this.external.set(Number(e.cp.seq), [...(this.external.get(Number(e.cp.seq)) ?? []), e]);
  }

  async run(): Promise<VerifyResult> {
    const db = await LogReader.open(this.url);
    let bounds: (StoredCheckpoint & { end_seq: string; unsealed: string; below: string | null }) | undefined;
    try {
      // One statement, so the end and "checkpoints beyond it" come from one snapshot: a checkpoint commits with its events.
      [bounds] = await db.query<StoredCheckpoint & { end_seq: string; unsealed: string; below: string | null }>(
        `SELECT e.end_seq::text AS end_seq, e.unsealed::text AS unsealed, e.below::text AS below, c.* FROM
           (SELECT coalesce(max(chain_seq), 0) AS end_seq, (SELECT count(*) FROM audit_event WHERE chain_seq IS NULL) AS unsealed,
              (SELECT min(chain_seq) FROM audit_event WHERE chain_seq < 1) AS below FROM audit_event) e
         LEFT JOIN LATERAL (SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE seq > e.end_seq ORDER BY seq LIMIT 1) c ON true`,
      );
    } finally {
      await db.close();
    }
    const end = Number(bounds?.end_seq ?? 0);
    const found: Found[] = [];
    // Migration 0019 refuses such positions; only someone who lifted the constraint can have put a row there.
    if (bounds?.below) {
      found.push({ seq: Number(bounds.below), kind: "inserted", detail: `an event sits at chain position ${bounds.below}, outside the chain, where neither the sealer nor a verification would see it` });
    }
    const parts = end === 0 ? 0 : Math.min(this.segments, Math.ceil(end / this.batchSize));
    const size = parts === 0 ? 0 : Math.ceil(end / parts);
    const outcomes = await Promise.all(Array.from({ length: parts }, (_, i) => this.segment(i * size + 1, Math.min(end, (i + 1) * size), end)));
    const anchored = outcomes.flatMap((o) => o.anchored);
    // A segment that filled its list hides what lies after it: later segments' findings would skip over those.
    const fullAt = outcomes.findIndex((o) => o.full);
    for (const outcome of fullAt < 0 ? outcomes : outcomes.slice(0, fullAt + 1)) found.push(...outcome.found);
    const beyond = this.firstBeyond(end, bounds?.seq ? checkpointOf(bounds) : undefined);
    if (beyond && fullAt < 0) {
      found.push(beyond.valid
        ? { seq: end + 1, kind: "truncated", detail: `a checkpoint signed at ${beyond.cp.signedAt} ${beyond.where} vouches for seq ${beyond.cp.seq}, but the log ends at ${end}` }
        : { seq: Number(beyond.cp.seq), kind: "modified", detail: `the checkpoint at seq ${beyond.cp.seq} ${beyond.where} has an invalid signature` });
    }
    if (found.length === 0) {
      return {
        ok: true, events: end, lastSeq: end, lastHash: outcomes.at(-1)?.lastHash ?? GENESIS_HASH, checkpoints: anchored.length,
        ignoredCheckpoints: this.ignored, unsealed: Number(bounds?.unsealed ?? 0),
      };
    }
    // The row after a segment's end is checked by both sides of the cut: the earlier segment, which knows what came before it, wins.
    const bySeq = new Map<number, Found>();
    for (const f of found.sort((a, b) => a.seq - b.seq)) if (!bySeq.has(f.seq)) bySeq.set(f.seq, f);
    const problems = [...bySeq.values()].map(({ rolledBack, ...problem }) => {
      if (!rolledBack) return problem;
      const lastAnchored = Math.max(0, ...anchored.filter((seq) => seq < problem.seq));
      return { ...problem, detail: `${problem.detail} differs from the checkpoint signed at ${rolledBack.signedAt} ${rolledBack.where}: the database was restored or rewritten after seq ${lastAnchored}` };
    });
    const first = problems[0]!;
    return {
      ok: false, firstBadSeq: first.seq, kind: first.kind, detail: first.detail,
      problems: problems.slice(0, MAX_PROBLEMS), moreProblems: problems.length > MAX_PROBLEMS || fullAt >= 0,
    };
  }

  /**
   * Checks chain positions from..to on a connection of its own. The first row is checked against the prev_hash
   * it names (the segment before checks that this matches its last row), later rows against the row before;
   * after a problem, the next row is again checked against the prev_hash it names, so the check carries on.
   */
  private async segment(from: number, to: number, end: number): Promise<SegmentOutcome> {
    const db = await LogReader.open(this.url);
    try {
      const found: Found[] = [];
      const anchored: number[] = [];
      let expected = from;
      let prevHash = GENESIS_HASH;
      let resync = from > 1;
      const add = (problem: Found) => {
        found.push(problem);
        resync = true;
        return found.length >= MAX_PROBLEMS;
      };
      // Pipelined: the next batch is read while this one is hashed.
      let next: Promise<Batch> | null = this.fetch(db, from, to);
      while (expected <= to) {
        const batch: Batch = await next!;
        const { rows, internal } = batch;
        if (rows.length === 0) {
          // The end row existed when verification began and the log is append-only: only a tamper empties this range.
          const what = to === end ? "vanished while being verified" : "are missing";
          if (add({ seq: expected, kind: "deleted", detail: `the rows from seq ${expected} to ${to} ${what}` })) return { found, anchored, lastHash: prevHash, full: true };
          break;
        }
        const last: number = Number(rows.at(-1)!.chain_seq);
        next = last < to ? this.fetch(db, last + 1, to) : null;
        for (const [i, row] of rows.entries()) {
          const seq = Number(row.chain_seq);
          if (seq !== expected) {
            const missing = seq - 1 > expected ? `seqs ${expected} to ${seq - 1} are` : `seq ${expected} is`;
            if (add({ seq: expected, kind: "deleted", detail: `${missing} missing: the log jumps from ${expected - 1} to ${seq}` })) {
              return { found, anchored, lastHash: prevHash, full: true };
            }
          }
          if (resync) prevHash = row.prev_hash;
          resync = false;
          const problem = await this.check(db, row, prevHash, internal.get(seq), rows[i + 1]);
          if (problem === "anchored") anchored.push(seq);
          else if (problem && add(problem)) return { found, anchored, lastHash: row.hash, full: true };
          prevHash = row.hash;
          expected = seq + 1;
        }
      }
      // The cut: the next segment's first row must name this segment's last hash, unless that row was itself a finding.
      if (to < end && !resync) {
        const after = await this.rowAfter(db, to);
        if (after && Number(after.chain_seq) === to + 1 && after.prev_hash !== prevHash) {
          const finding = await this.check(db, after, prevHash, undefined, undefined);
          if (finding && finding !== "anchored") found.push(finding);
        }
      }
      return { found, anchored, lastHash: prevHash, full: false };
    } finally {
      await db.close();
    }
  }

  /** One row against the hash before it: a problem, "anchored" when a signed checkpoint confirms it, or null. */
  private async check(db: LogReader, row: StoredEvent, prevHash: string, internal: Checkpoint | undefined, following: StoredEvent | undefined): Promise<Found | "anchored" | null> {
    const seq = Number(row.chain_seq);
    const checkpoints = this.checkpointsAt(seq, internal);
    const link = checkLink(this.key, prevHash, row);
    if (link === "forged") {
      return { seq, kind: "inserted", detail: `seq ${seq} (event ${row.seq}) was written without the application's key and sealed as a forgery` };
    }
    if (link === "broken") {
      const next = following ?? (await this.rowAfter(db, seq));
      const vouchedFor = new Set([...checkpoints.filter((c) => c.valid).map((c) => c.cp.hash), ...(next ? [next.prev_hash] : [])]);
      const finding = await classify(db, this.key, row, prevHash, vouchedFor);
      return { seq, ...finding };
    }
    if (checkpoints.length === 0) return null;
    const forged = checkpoints.find((c) => !c.valid);
    if (forged) return { seq, kind: "modified", detail: `the checkpoint at seq ${seq} ${forged.where} has an invalid signature` };
    const contradicted = checkpoints.find((c) => c.cp.hash !== row.hash);
    if (contradicted?.where === "in the database") {
      return { seq, kind: "modified", detail: `the log at seq ${seq} differs from its signed checkpoint: rewritten with the HMAC key` };
    }
    if (contradicted) return { seq, kind: "rolled-back", detail: `the log at seq ${seq}`, rolledBack: { signedAt: contradicted.cp.signedAt, where: contradicted.where } };
    return "anchored";
  }

  /** A batch of sealed rows from `from` and the database's checkpoints among them; never rejects unobserved. */
  private fetch(db: LogReader, from: number, end: number): Promise<Batch> {
    const batch = (async () => {
      const rows = await db.query<StoredEvent>(
        `SELECT ${EVENT_COLUMNS} FROM audit_event WHERE chain_seq >= $1 AND chain_seq <= $2 ORDER BY audit_event.chain_seq LIMIT $3`,
        [from, end, this.batchSize],
      );
      const last = rows.length > 0 ? Number(rows.at(-1)!.chain_seq) : from;
      const stored = await db.query<StoredCheckpoint>(
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
    const external = this.external.get(seq);
    // Nearly every row has none: no allocation for those.
    if (!internal && !external) return NO_CHECKPOINTS;
    const found = [
      ...(internal ? [{ cp: internal, where: "in the database" }] : []),
      ...(external ?? []),
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

  private async rowAfter(db: LogReader, seq: number): Promise<StoredEvent | undefined> {
    const [next] = await db.query<StoredEvent>(`SELECT ${EVENT_COLUMNS} FROM audit_event WHERE chain_seq > $1 ORDER BY audit_event.chain_seq LIMIT 1`, [seq]);
    return next;
  }
}
