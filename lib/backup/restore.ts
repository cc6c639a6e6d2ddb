import "server-only";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem } from "@/lib/db/transaction";
import { redactUrl } from "@/lib/db/urls";
import { ownerUrl } from "./create";
import { keyRows, keySourceFor, verifyKeyBackup, type KeyRow } from "./key-backup";
import { LOGICAL_FORMAT, restoreLogical } from "./logical";
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

/** The decrypted dump, chunk by chunk, every chunk authenticated; `digests()` once it has ended. */
function decrypted(manifest: Manifest, key: Buffer): { stream: AsyncIterable<Buffer>; digests(): StreamDigests } {
  const decrypt = new DecryptStream(key, manifest.id);
  pipeline(createReadStream(join(config().backupDir, manifest.file)), decrypt).catch((error: unknown) => decrypt.destroy(error as Error));
  return { stream: decrypt as AsyncIterable<Buffer>, digests: () => decrypt.digests() };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A key row as a line of COPY's text format; anything that could end a field or the data is refused. */
function copyLine(row: KeyRow): string {
  if (!UUID.test(row.patientId) || !/^[A-Za-z0-9_\-.:=+/]+$/.test(row.dekWrapped) || !Number.isInteger(row.kekVersion)) {
    throw new BackupIntegrityError(`key backup: a row for ${JSON.stringify(row.patientId).slice(0, 60)} is not a data key`);
  }
  return `${row.patientId}\t${row.dekWrapped}\t${row.kekVersion}\n`;
}

/**
 * Restores the verified backup and the data keys of `keys` (verifyBackupFile's choice) in ONE transaction, so a
 * failure anywhere (the dump, a file changed since it was verified, a key backup that does not authenticate)
 * leaves the target as it was, never restored without its keys. PostgreSQL: pg_restore writes the archive as a
 * script into psql, between a BEGIN we send first and a COMMIT sent only after the dump's checksums matched and
 * the keys were loaded; any failure kills psql before it, and the server rolls back. The embedded database:
 * logical.ts, dump and keys in one transaction. Returns how many keys it loaded.
 */
export async function restoreVerified(manifest: Manifest, key: Buffer, into: string, replace: boolean, keys: Manifest): Promise<number> {
  const dir = config().backupDir;
  const dump = decrypted(manifest, key);
  const keyRowsOf = () => keyRows(dir, keyFor(keys), keys);
  if (manifest.dump === LOGICAL_FORMAT) {
    return withConnection(into, (client) => restoreLogical(client, dump.stream, keyRowsOf(), replace, () => compare(manifest, dump.digests())));
  }
  const script = spawnPgTool("pg_restore", null, ["--exit-on-error", "--no-owner", "--file=-", ...(replace ? ["--clean", "--if-exists"] : [])]);
  const psql = spawnPgTool("psql", into, ["--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"]);
  let output = "";
  psql.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    output = (output + text).slice(-4000);
  });
  const sql = psql.child.stdin!;
  sql.on("error", () => undefined);
  const put = async (text: string) => {
    if (!sql.write(text)) await Promise.race([once(sql, "drain"), psql.finished]);
  };
  try {
    await put("BEGIN;\n");
    await Promise.all([pipeline(Readable.from(dump.stream), script.child.stdin!), pipeline(script.child.stdout!, sql, { end: false }), script.finished]);
    compare(manifest, dump.digests());
    // pg_restore's script empties search_path: names are qualified.
    await put("CREATE TEMPORARY TABLE restore_keys (patient_id uuid, dek_wrapped text, kek_version int) ON COMMIT DROP;\nCOPY pg_temp.restore_keys FROM stdin;\n");
    for await (const rows of keyRowsOf()) await put(rows.map(copyLine).join(""));
    await put("\\.\n");
    await put(`INSERT INTO public.patient_key (patient_id, dek_wrapped, kek_version)
  SELECT k.patient_id, k.dek_wrapped, k.kek_version FROM pg_temp.restore_keys k WHERE EXISTS (SELECT 1 FROM public.patient p WHERE p.id = k.patient_id);
SELECT 'restored-keys:' || count(*) FROM public.patient_key;
COMMIT;\n`);
    sql.end();
    await psql.finished;
    return Number(/restored-keys:(\d+)/.exec(output)?.[1] ?? 0);
  } catch (error) {
    // Before COMMIT: the connection closes with the transaction open, and the server rolls all of it back.
    psql.child.kill("SIGKILL");
    script.child.kill("SIGKILL");
    await psql.finished.catch(() => undefined);
    throw error;
  }
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
