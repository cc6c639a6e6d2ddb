import "server-only";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem } from "@/lib/db/transaction";
import { redactUrl } from "@/lib/db/urls";
import { ownerUrl } from "./create";
import { keySourceFor, loadKeyBackup, verifyKeyBackup } from "./key-backup";
import { listManifests, readManifest, type Manifest } from "./manifest";
import { sameDatabase, spawnPgTool } from "./pg-tools";
import { BackupIntegrityError, backupKeyId, DecryptStream, type StreamDigests } from "./stream-cipher";
import { withConnection } from "@/lib/db/connection";

export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreRefusedError";
  }
}

export interface RestoreOptions {
  id: string;
  into: string;
  /** Allows the live database (and a target that already has tables, replaced by the backup's). */
  force?: boolean;
  /** With force on the live database: the target database's name, typed by the operator. */
  confirm?: string;
  request?: RequestMeta;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** The backup key, refused up front when it is not the key the backup was made with. */
export function keyFor(manifest: Manifest): Buffer {
  const key = keyProvider().secret("backup");
  const configured = backupKeyId(key);
  if (configured !== manifest.keyId) {
    throw new RestoreRefusedError(`backup ${manifest.id} was made with backup key ${manifest.keyId}, but the configured backup key is ${configured}: set CUSTODIA_BACKUP_KEY to the key of that time`);
  }
  return key;
}

function compare(manifest: Manifest, sums: StreamDigests): void {
  const problems = [
    sums.ciphertextBytes !== manifest.size && `size ${sums.ciphertextBytes} bytes, manifest says ${manifest.size}`,
    sums.ciphertextSha256 !== manifest.sha256.ciphertext && "SHA-256 of the file differs from the manifest",
    sums.plaintextSha256 !== manifest.sha256.plaintext && "SHA-256 of the decrypted dump differs from the manifest",
  ].filter(Boolean);
  if (problems.length > 0) throw new BackupIntegrityError(`backup ${manifest.id}: ${problems.join("; ")}`);
}

/**
 * Decrypts the whole file, and the key backup the restore would load, into nothing: every chunk's tag and both
 * checksums, before any target is touched. Returns that key backup's manifest.
 */
export async function verifyBackupFile(manifest: Manifest, key = keyFor(manifest)): Promise<Manifest> {
  const dir = config().backupDir;
  const decrypt = new DecryptStream(key, manifest.id);
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  await pipeline(createReadStream(join(dir, manifest.file)), decrypt, discard);
  compare(manifest, decrypt.digests());
  const source = keySourceFor(dir, manifest, listManifests(dir));
  await verifyKeyBackup(dir, keyFor(source), source);
  return source;
}

async function tableCount(url: string): Promise<number> {
  const { rows } = await withConnection(url, (client) =>
    client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')`),
  );
  return rows[0]!.n;
}

/**
 * Streams the verified backup into pg_restore, as one transaction: a failure (or a file changed since it was
 * verified: its chunks are authenticated again on the way) leaves the target as it was. Then loads the data
 * keys from `keys` (verifyBackupFile's choice), in a transaction of its own. Returns how many keys it loaded.
 */
export async function restoreVerified(manifest: Manifest, key: Buffer, into: string, replace: boolean, keys: Manifest): Promise<number> {
  const decrypt = new DecryptStream(key, manifest.id);
  const restore = spawnPgTool("pg_restore", into, [
    "--exit-on-error", "--single-transaction", "--no-owner", "--no-password", ...(replace ? ["--clean", "--if-exists"] : []),
  ]);
  restore.child.stdout!.resume();
  await Promise.all([pipeline(createReadStream(join(config().backupDir, manifest.file)), decrypt, restore.child.stdin!), restore.finished]);
  compare(manifest, decrypt.digests());
  return loadKeyBackup(config().backupDir, keyFor(keys), keys, into);
}

/**
 * `npm run backup:restore -- <id> --into <url>`: checks the key, refuses the live database unless forced and
 * confirmed by name, verifies the whole file, refuses a target that already has tables (unless forced), then
 * restores. Audited on the live database, refusals included.
 */
export async function restoreBackup(options: RestoreOptions): Promise<Manifest> {
  const request = options.request ?? noRequest;
  const record = (outcome: "allowed" | "denied" | "error", extra: Record<string, string | boolean> = {}) =>
    withSystem(request, async ({ audit }) => {
      audit({ action: "backup.restore", outcome, resourceType: "backup", resourceId: options.id, details: { into: redactUrl(options.into), force: options.force ?? false, ...extra } });
    });
  try {
    ownerUrl();
    const manifest = readManifest(config().backupDir, options.id);
    const key = keyFor(manifest);
    const cfg = config();
    const live = [cfg.databaseUrl, cfg.migrationDatabaseUrl].some((url) => url && sameDatabase(url, options.into));
    if (live && !options.force) {
      throw new RestoreRefusedError(`${redactUrl(options.into)} is the live database; restoring over it needs --force and typing its name to confirm`);
    }
    if (live && options.confirm !== databaseName(options.into)) {
      throw new RestoreRefusedError(`restoring over the live database needs its name, "${databaseName(options.into)}", typed to confirm; nothing was changed`);
    }
    const keys = await verifyBackupFile(manifest, key);
    if (!options.force && (await tableCount(options.into)) > 0) {
      throw new RestoreRefusedError(`${redactUrl(options.into)} already has tables; restore into an empty database, or pass --force to replace them`);
    }
    const loaded = await restoreVerified(manifest, key, options.into, options.force ?? false, keys);
    await record("allowed", { live, keysFrom: keys.id, keysLoaded: String(loaded) });
    return manifest;
  } catch (error) {
    const refused = error instanceof RestoreRefusedError || error instanceof BackupIntegrityError;
    await record(refused ? "denied" : "error", { error: String((error as Error).message).slice(0, 500) }).catch(() => undefined);
    throw error;
  }
}
