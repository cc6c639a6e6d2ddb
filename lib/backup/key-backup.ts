import { closeSync, createReadStream, existsSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { BackupNotFoundError, type Manifest } from "./manifest";
import { BackupIntegrityError, DecryptStream, EncryptStream } from "./stream-cipher";
import { backupTarget } from "./target";

/**
 * Key backups (docs/decisions/0013). The patients' wrapped data keys (`patient_key`) are left out of the
 * database dump and written beside it, from the same snapshot, as `<id>.keys.cbk`: JSON lines under the backup
 * key, in the same chunked format. Database backups are kept for years; key backups only
 * BACKUP_KEY_RETENTION_DAYS (prune.ts). So an erased patient's old data key, replaced in the live database,
 * survives only in key backups taken before the erasure, and is gone everywhere once they are pruned.
 */
export const KEYS_SUFFIX = ".keys.cbk";
const BATCH = 1000;

export interface KeyBackupFacts {
  file: string;
  size: number;
  count: number;
  sha256: { ciphertext: string; plaintext: string };
}

export interface KeyRow {
  patientId: string;
  dekWrapped: string;
  kekVersion: number;
}

/** The stream cipher's id of a key backup: binds the file to its backup, and tells it from the dump. */
const cipherId = (backupId: string) => `${backupId}.keys`;

/** Key backups' file name for backup `id`. */
export const keysFile = (id: string) => `${id}${KEYS_SUFFIX}`;

/**
 * Streams `patient_key` as the open transaction of `client` sees it (the dump's snapshot) into `path`, through
 * a cursor: never all keys in memory. The caller renames the synced file into place with the dump's.
 */
export async function writeKeyBackup(client: pg.Client, key: Buffer, backupId: string, path: string): Promise<Omit<KeyBackupFacts, "file">> {
  let count = 0;
  async function* lines(): AsyncGenerator<Buffer> {
    await client.query("DECLARE backup_keys NO SCROLL CURSOR FOR SELECT patient_id::text, dek_wrapped, kek_version FROM patient_key ORDER BY patient_id");
    for (;;) {
      const { rows } = await client.query<{ patient_id: string; dek_wrapped: string; kek_version: number }>(`FETCH ${BATCH} FROM backup_keys`);
      if (rows.length === 0) break;
      count += rows.length;
      yield Buffer.from(rows.map((r) => `${JSON.stringify({ patientId: r.patient_id, dekWrapped: r.dek_wrapped, kekVersion: r.kek_version })}\n`).join(""));
    }
    await client.query("CLOSE backup_keys");
  }
  const cipher = new EncryptStream(key, cipherId(backupId));
  await pipeline(Readable.from(lines()), cipher, backupTarget.open(path));
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const sums = cipher.digests();
  return { size: sums.ciphertextBytes, count, sha256: { ciphertext: sums.ciphertextSha256, plaintext: sums.plaintextSha256 } };
}

/** Whether backup `manifest` still has its key backup (pruned after the key window, or made before 0032). */
export function hasKeyBackup(dir: string, manifest: Manifest): boolean {
  return Boolean(manifest.keys && existsSync(join(dir, manifest.keys.file)));
}

/**
 * The key backup a restore of `manifest` uses: its own while kept, otherwise the newest one left. The newest
 * holds the key of every patient still in care (a data key changes only on erasure); an erased patient's is
 * the replacement key, which opens nothing of theirs in the older dump, as 0013 intends.
 */
export function keySourceFor(dir: string, manifest: Manifest, all: Manifest[]): Manifest {
  if (!manifest.keys) {
    // Its dump holds the data keys of its day: restored, it would bring back the keys of patients erased since.
    throw new BackupNotFoundError(`backup ${manifest.id} was made before data keys left the database dump, so it would restore the keys of patients erased since; restore a newer backup`);
  }
  if (hasKeyBackup(dir, manifest)) return manifest;
  const newest = all.find((m) => hasKeyBackup(dir, m));
  if (!newest) throw new BackupNotFoundError(`no key backup is left in ${dir}: backup ${manifest.id} would restore without any patient's data key`);
  return newest;
}

/** Decrypted rows of a key backup, chunk by chunk; every chunk authenticated, then both sums checked. */
export async function* keyRows(dir: string, key: Buffer, source: Manifest): AsyncGenerator<KeyRow[]> {
  const facts = source.keys!;
  const decrypt = new DecryptStream(key, cipherId(source.id));
  const done = pipeline(createReadStream(join(dir, facts.file)), decrypt).catch((error: unknown) => {
    decrypt.destroy(error as Error);
  });
  let rest = "";
  for await (const chunk of decrypt as AsyncIterable<Buffer>) {
    const text = rest + chunk.toString("utf8");
    const cut = text.lastIndexOf("\n");
    rest = text.slice(cut + 1);
    if (cut >= 0) yield text.slice(0, cut).split("\n").map((line) => JSON.parse(line) as KeyRow);
  }
  await done;
  const sums = decrypt.digests();
  if (rest !== "" || sums.ciphertextSha256 !== facts.sha256.ciphertext || sums.plaintextSha256 !== facts.sha256.plaintext) {
    throw new BackupIntegrityError(`key backup of ${source.id}: the file's SHA-256 sums differ from the manifest`);
  }
}

/** Reads the whole key backup into nothing: authenticates it before any target is touched. */
export async function verifyKeyBackup(dir: string, key: Buffer, source: Manifest): Promise<void> {
  let count = 0;
  for await (const rows of keyRows(dir, key, source)) count += rows.length;
  if (count !== source.keys!.count) throw new BackupIntegrityError(`key backup of ${source.id}: ${count} keys, the manifest says ${source.keys!.count}`);
}
