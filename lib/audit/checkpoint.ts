import { createHash, sign, verify, type KeyObject } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem, type Tx } from "@/lib/db/transaction";
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

/** One file per database: a file shared by two databases contradicts both. */
export function checkpointFile(): string {
  return join(config().checkpointDir, "audit-checkpoints.jsonl");
}

/** The exact bytes signed: plain text, so an outside auditor can check a checkpoint with any Ed25519 tool. */
/**
 * The newest sealed head, signed and replaced after every sealing pass: a deleted tail contradicts it within
 * one pass, where the checkpoint lines only catch it at the next N events or M minutes.
 */
export function headFile(): string {
  return join(dirname(checkpointFile()), "audit-head.json");
}

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

export function signCheckpoint(seq: bigint, hash: string): Checkpoint {
  const { privateKey, publicKey } = keyProvider().auditSigningKey();
  const unsigned = { seq: seq.toString(), hash, signedAt: new Date().toISOString() };
  return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString("base64"), keyId: checkpointKeyId(publicKey) };
}

function toCheckpoint(row: { seq: bigint; hash: string; signedAt: Date; signature: string; keyId: string }): Checkpoint {
  return { seq: row.seq.toString(), hash: row.hash, signedAt: row.signedAt.toISOString(), signature: row.signature, keyId: row.keyId };
}

export async function storeCheckpoint(tx: Tx, seq: bigint, hash: string): Promise<Checkpoint> {
  const signed = signCheckpoint(seq, hash);
  await tx.$executeRaw`INSERT INTO audit_checkpoint (seq, hash, signed_at, signature, key_id)
    VALUES (${seq}, ${hash}, ${signed.signedAt}::timestamptz, ${signed.signature}, ${signed.keyId})
    ON CONFLICT (seq) DO NOTHING`;
  // A concurrent writeCheckpointNow may have signed this head first: the stored checkpoint is the one to copy out,
  // but only if it is ours for this very position. A row someone else planted at this seq is never published.
  const stored = toCheckpoint(await tx.auditCheckpoint.findUniqueOrThrow({ where: { seq } }));
  if (stored.hash !== hash || !checkpointSignatureValid(stored)) throw new ForeignCheckpoint(seq);
  return stored;
}

/** A checkpoint row at a position the sealer signs that this application's key did not sign for that hash. */
export class ForeignCheckpoint extends Error {
  constructor(readonly seq: bigint) {
    super(`the audit checkpoint stored at seq ${seq} is not this application's signature of that position: not published`);
  }
}

/** O_APPEND and one small write per line: concurrent app instances never interleave inside a line. */
function appendCheckpointLines(checkpoints: Checkpoint[]): void {
  if (checkpoints.length === 0) return;
  const file = checkpointFile();
  // A configured path outside the app bundle; turbopackIgnore keeps the build from tracing the whole project.
  mkdirSync(dirname(/*turbopackIgnore: true*/ file), { recursive: true, mode: 0o700 });
  const fd = openSync(/*turbopackIgnore: true*/ file, "a", 0o600);
  try {
    for (const cp of checkpoints) writeSync(fd, `${JSON.stringify(cp)}\n`);
    // The file is the evidence against a later restore: it must survive a crash right after the commit.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Written aside and renamed over: a reader sees the old head or the new one, never half of either. */
function replaceHead(head: Checkpoint): void {
  const file = headFile();
  const temporary = `${file}.${process.pid}.tmp`;
  mkdirSync(dirname(/*turbopackIgnore: true*/ file), { recursive: true, mode: 0o700 });
  const fd = openSync(/*turbopackIgnore: true*/ temporary, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(head)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(/*turbopackIgnore: true*/ temporary, /*turbopackIgnore: true*/ file);
}

/**
 * Copies committed checkpoints and the new head outside the database. Called after commit: the audited work
 * is done, and failing now would invite a retry; the checkpoints stay in the database, the next pass publishes
 * a newer head, and writeCheckpointNow() (npm run audit:verify -- --checkpoint) re-anchors the file.
 */
export function publishCheckpoints(checkpoints: Checkpoint[], head: Checkpoint | null): void {
  try {
    appendCheckpointLines(checkpoints);
    if (head) replaceHead(head);
  } catch (error) {
    log().error({ head: head?.seq, file: checkpointFile(), err: error }, "audit checkpoint not copied outside the database");
  }
}

/** The published head, if any; a damaged file is evidence of tampering, not an absent head. */
export function readHeadFile(file = headFile()): Checkpoint | null {
  if (!existsSync(/*turbopackIgnore: true*/ file)) return null;
  try {
    return JSON.parse(readFileSync(/*turbopackIgnore: true*/ file, "utf8")) as Checkpoint;
  } catch {
    throw new Error(`${file} is not a checkpoint: the file was damaged or edited`);
  }
}

/** Signs the current head now (before a backup, after a verification); null for an empty log. */
export async function writeCheckpointNow(request: RequestMeta = noRequest): Promise<Checkpoint | null> {
  return withSystem(request, async (ctx) => {
    const [head] = await ctx.tx.$queryRaw<{ seq: bigint; hash: string }[]>`
      SELECT chain_seq AS seq, hash FROM audit_event WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1`;
    if (!head) return null;
    const cp = await storeCheckpoint(ctx.tx, head.seq, head.hash);
    ctx.onCommit(async () => appendCheckpointLines([cp]));
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
