import { createHash, sign, verify, type KeyObject } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem, type ActorContext, type Tx } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";

/**
 * Signed checkpoints over the audit chain. The HMAC chain stops anyone without the HMAC key; a checkpoint,
 * signed with the Ed25519 key and copied after commit to a file outside the database, also stops whoever holds
 * the HMAC key or the database itself from truncating the log or restoring an older copy unnoticed.
 */
export interface Checkpoint {
  seq: string;
  hash: string;
  signedAt: string;
  /** Ed25519 over checkpointMessage(), base64. */
  signature: string;
  keyId: string;
}

function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** Read on every append, like config(): tests and operators change the cadence through the environment. */
function cadence(): { every: number; minutes: number } {
  return { every: positiveFromEnv("AUDIT_CHECKPOINT_EVERY", 1000), minutes: positiveFromEnv("AUDIT_CHECKPOINT_MINUTES", 60) };
}

/** One file per database: a file shared by two databases contradicts both. */
export function checkpointFile(): string {
  const dir = process.env.CUSTODIA_CHECKPOINT_DIR || join(config().dataDir, "checkpoints");
  return join(dir, "audit-checkpoints.jsonl");
}

/** The exact bytes signed: plain text, so an outside auditor can check a checkpoint with any Ed25519 tool. */
export function checkpointMessage(cp: Pick<Checkpoint, "seq" | "hash" | "signedAt">): Buffer {
  return Buffer.from(`custodia-audit-checkpoint/v1\n${cp.seq}\n${cp.hash}\n${cp.signedAt}`);
}

export function checkpointKeyId(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

/** SPKI PEM of the signing key, to hand to outside auditors together with the exported checkpoints. */
export function exportCheckpointPublicKey(): string {
  return keyProvider().auditSigningKey().publicKey.export({ type: "spki", format: "pem" }).toString();
}

export function checkpointSignatureValid(cp: Checkpoint, publicKey = keyProvider().auditSigningKey().publicKey): boolean {
  if (cp.keyId !== checkpointKeyId(publicKey)) return false;
  try {
    return verify(null, checkpointMessage(cp), publicKey, Buffer.from(cp.signature, "base64"));
  } catch {
    return false;
  }
}

function signCheckpoint(seq: bigint, hash: string): Checkpoint {
  const { privateKey, publicKey } = keyProvider().auditSigningKey();
  const unsigned = { seq: seq.toString(), hash, signedAt: new Date().toISOString() };
  return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString("base64"), keyId: checkpointKeyId(publicKey) };
}

function toCheckpoint(row: { seq: bigint; hash: string; signedAt: Date; signature: string; keyId: string }): Checkpoint {
  return { seq: row.seq.toString(), hash: row.hash, signedAt: row.signedAt.toISOString(), signature: row.signature, keyId: row.keyId };
}

async function storeCheckpoint(tx: Tx, seq: bigint, hash: string): Promise<Checkpoint> {
  const signed = signCheckpoint(seq, hash);
  await tx.$executeRaw`INSERT INTO audit_checkpoint (seq, hash, signed_at, signature, key_id)
    VALUES (${seq}, ${hash}, ${signed.signedAt}::timestamptz, ${signed.signature}, ${signed.keyId})
    ON CONFLICT (seq) DO NOTHING`;
  // A concurrent writeCheckpointNow may have signed this head first: the stored checkpoint is the one to copy out.
  return toCheckpoint(await tx.auditCheckpoint.findUniqueOrThrow({ where: { seq } }));
}

/** O_APPEND and one small write per line: concurrent app instances never interleave inside a line. */
function appendCheckpointLine(cp: Checkpoint): void {
  const file = checkpointFile();
  // A configured path outside the app bundle; turbopackIgnore keeps the build from tracing the whole project.
  mkdirSync(dirname(/*turbopackIgnore: true*/ file), { recursive: true, mode: 0o700 });
  const fd = openSync(/*turbopackIgnore: true*/ file, "a", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(cp)}\n`);
    // The file is the evidence against a later restore: it must survive a crash right after the commit.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function checkpointDue(tx: Tx, seq: bigint): Promise<boolean> {
  // With no checkpoint yet the clock starts at the first event, so a young log is not signed on every append.
  const [last] = await tx.$queryRaw<{ seq: bigint | null; since: Date | null }[]>`
    SELECT (SELECT seq FROM audit_checkpoint ORDER BY seq DESC LIMIT 1) AS seq,
      coalesce((SELECT signed_at FROM audit_checkpoint ORDER BY seq DESC LIMIT 1),
               (SELECT first_at FROM audit_chain_head())) AS since`;
  const { every, minutes } = cadence();
  if (seq - (last?.seq ?? 0n) >= BigInt(Math.ceil(every))) return true;
  return last?.since != null && Date.now() - last.since.getTime() >= minutes * 60_000;
}

/**
 * Called by appendAuditEvents under its lock, with the head it just wrote: signs it in the same transaction
 * when N events or M minutes have passed since the last checkpoint, and copies it to the file after commit.
 */
export async function checkpointAfterAppend(ctx: ActorContext, seq: bigint, hash: string): Promise<void> {
  if (!(await checkpointDue(ctx.tx, seq))) return;
  const cp = await storeCheckpoint(ctx.tx, seq, hash);
  ctx.onCommit(async () => {
    try {
      appendCheckpointLine(cp);
    } catch (error) {
      // The audited work has committed; failing its request now would invite a retry that does it twice.
      // The checkpoint stays in the database, and writeCheckpointNow() (npm run audit:verify -- --checkpoint) re-anchors.
      log().error({ seq: String(cp.seq), file: checkpointFile(), err: error }, "audit checkpoint not copied to its file");
    }
  });
}

/** Signs the current head now (before a backup, after a verification); null for an empty log. */
export async function writeCheckpointNow(request: RequestMeta = noRequest): Promise<Checkpoint | null> {
  return withSystem(request, async (ctx) => {
    const [head] = await ctx.tx.$queryRaw<{ seq: bigint; hash: string }[]>`SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1`;
    if (!head) return null;
    const cp = await storeCheckpoint(ctx.tx, head.seq, head.hash);
    ctx.onCommit(async () => appendCheckpointLine(cp));
    return cp;
  });
}

/** The external file's checkpoints, in file order; a missing file holds none. */
export function readCheckpointFile(file = checkpointFile()): Checkpoint[] {
  if (!existsSync(/*turbopackIgnore: true*/ file)) return [];
  const checkpoints: Checkpoint[] = [];
  readFileSync(/*turbopackIgnore: true*/ file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        checkpoints.push(JSON.parse(line) as Checkpoint);
      } catch {
        throw new Error(`${file} line ${i + 1} is not a checkpoint: the file was damaged or edited`);
      }
    });
  return checkpoints;
}

/** Every checkpoint in the database as JSON lines, and the public key beside them as `<target>.pub.pem`. */
export async function exportCheckpoints(target: string, request: RequestMeta = noRequest): Promise<{ count: number; publicKeyFile: string }> {
  const rows = await withSystem(request, async (ctx) => {
    const all = await ctx.tx.auditCheckpoint.findMany({ orderBy: { seq: "asc" } });
    ctx.audit({ action: "audit.checkpoints_export", details: { count: all.length } });
    return all;
  });
  writeFileSync(/*turbopackIgnore: true*/ target, rows.map((r) => `${JSON.stringify(toCheckpoint(r))}\n`).join(""), { mode: 0o600 });
  const publicKeyFile = `${target}.pub.pem`;
  writeFileSync(/*turbopackIgnore: true*/ publicKeyFile, exportCheckpointPublicKey());
  return { count: rows.length, publicKeyFile };
}
