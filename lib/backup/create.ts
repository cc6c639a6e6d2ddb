import "server-only";
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { noRequest, type RequestMeta } from "@/lib/access/actor";
import { sealAll } from "@/lib/audit/sealer";
import { config } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { isEmbeddedServer } from "@/lib/db/connection";
import { withSystem } from "@/lib/db/transaction";
import { log } from "@/lib/ops/log";
import { syncLedgerFile } from "@/lib/services/erasure-ledger";
import { readDatabaseFacts } from "./facts";
import { LOGICAL_FORMAT, logicalDump } from "./logical";
import { FILE_SUFFIX, MANIFEST_SUFFIX, PG_DUMP_FORMAT, PARTIAL_SUFFIX, syncDir, writeManifest, type Manifest } from "./manifest";
import { KEYS_SUFFIX, keysFile, writeKeyBackup } from "./key-backup";
import { spawnPgTool } from "./pg-tools";
import { backupTarget } from "./target";
import { pruneBackups } from "./prune";
import { backupKeyId, EncryptStream } from "./stream-cipher";

// Held for the whole run by the snapshot transaction: of two concurrent backups, one wins.
export const BACKUP_LOCK_KEY = 7_364_291_012n;

export class BackupRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupRefusedError";
  }
}

/**
 * The owner connection: of a PostgreSQL server (MIGRATION_DATABASE_URL), or of the embedded database, whose
 * address the portal (or the CLI's scripts/with-database.ts) puts in DATABASE_URL once it listens.
 */
export function ownerUrl(): string {
  const cfg = config();
  if (!cfg.databaseUrl || !cfg.migrationDatabaseUrl) {
    throw new BackupRefusedError(
      "no database to back up: set DATABASE_URL (and MIGRATION_DATABASE_URL for the owner), or run this where the portal's embedded database is running",
    );
  }
  return cfg.migrationDatabaseUrl;
}

function newBackupId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}-${randomBytes(3).toString("hex")}`;
}

/**
 * `npm run backup`: seals the audit log, opens one snapshot as the owner, records the database's facts from
 * it, and streams `pg_dump --format=custom --snapshot` of that same snapshot (on the embedded database: the
 * logical dump of logical.ts, read in that same transaction) through the chunked cipher into
 * `<BACKUP_DIR>/<id>.cbk.partial`. Only a complete, synced file is renamed and given a manifest; a killed
 * run leaves a .partial, removed by the next run. Then prunes by retention. Audited either way.
 */
export async function createBackup(now = new Date(), request: RequestMeta = noRequest): Promise<Manifest> {
  const owner = ownerUrl();
  const dir = config().backupDir;
  const id = newBackupId(now);
  try {
    // Every backup run also brings the erasure ledger file up to date with the database (the truth).
    await syncLedgerFile(request).catch((error: unknown) => log().error({ err: error }, "erasure ledger file not written before the backup"));
    const manifest = await dumpEncrypted(owner, dir, id, now);
    await withSystem(request, async ({ audit }) => {
      audit({
        action: "backup.create",
        resourceType: "backup",
        resourceId: id,
        details: { size: manifest.size, keyId: manifest.keyId, migrationVersion: manifest.migrationVersion, auditHead: manifest.audit.head?.chainSeq ?? null },
      });
    });
    await pruneBackups(now, request);
    return manifest;
  } catch (error) {
    await withSystem(request, async ({ audit }) => {
      audit({ action: "backup.create", outcome: "error", resourceType: "backup", resourceId: id, details: { error: String((error as Error).message).slice(0, 500) } });
    }).catch(() => undefined);
    throw error;
  }
}

async function dumpEncrypted(owner: string, dir: string, id: string, now: Date): Promise<Manifest> {
  const key = keyProvider().secret("backup");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The chain head recorded below is then the whole log as of the snapshot, less events committed since.
  await sealAll();
  const client = new pg.Client({ connectionString: owner });
  client.on("error", () => undefined);
  await client.connect();
  const partial = join(dir, `${id}${FILE_SUFFIX}${PARTIAL_SUFFIX}`);
  const keysPartial = join(dir, `${keysFile(id)}${PARTIAL_SUFFIX}`);
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const [{ won } = { won: false }] = (await client.query<{ won: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS won", [BACKUP_LOCK_KEY.toString()])).rows;
    if (!won) throw new BackupRefusedError("another backup is running; this one was not started");
    removeLeftovers(dir);
    const embedded = await isEmbeddedServer(client);
    const snapshot = embedded ? "" : (await client.query<{ snapshot: string }>("SELECT pg_export_snapshot() AS snapshot")).rows[0]!.snapshot;
    const facts = await readDatabaseFacts(client);
    const cipher = new EncryptStream(key, id);
    const out = backupTarget.open(partial);
    if (embedded) {
      // pg_dump cannot read PGlite (decision 0017): the rows are read by this transaction itself, patient_key left out.
      await pipeline(Readable.from(logicalDump(client, facts.migrations)), cipher, out);
    } else {
      // The data keys stay out of the dump: they go to the key backup below, kept for days, not years (0013).
      // No large objects (Custodia has none): pg_restore's script would wrap them in a COMMIT of its own, ending
      // the restore's one transaction before the keys are in (restore.ts).
      const dump = spawnPgTool("pg_dump", owner, ["--format=custom", `--snapshot=${snapshot}`, "--no-password", "--exclude-table-data=patient_key", "--no-blobs"]);
      dump.child.stdin!.end();
      await Promise.all([pipeline(dump.child.stdout!, cipher, out), dump.finished]);
    }
    const fd = openSync(partial, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const keys = await writeKeyBackup(client, key, id, keysPartial);
    const file = `${id}${FILE_SUFFIX}`;
    renameSync(keysPartial, join(dir, keysFile(id)));
    renameSync(partial, join(dir, file));
    const sums = cipher.digests();
    const manifest: Manifest = {
      format: "custodia-backup/v1",
      id,
      dump: embedded ? LOGICAL_FORMAT : PG_DUMP_FORMAT,
      createdAt: now.toISOString(),
      file,
      size: sums.ciphertextBytes,
      plaintextSize: sums.plaintextBytes,
      sha256: { ciphertext: sums.ciphertextSha256, plaintext: sums.plaintextSha256 },
      keyId: backupKeyId(key),
      migrationVersion: facts.migrations.at(-1) ?? null,
      migrations: facts.migrations,
      audit: { head: facts.auditHead, lastCheckpoint: facts.lastCheckpoint },
      rowCounts: facts.rowCounts,
      rlsForced: facts.rlsForced,
      policies: facts.policies,
      appGrants: facts.appGrants,
      keys: { file: keysFile(id), ...keys },
    };
    writeManifest(dir, manifest);
    syncDir(dir);
    return manifest;
  } catch (error) {
    rmSync(partial, { force: true });
    rmSync(keysPartial, { force: true });
    throw error;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/**
 * Partial files of runs that were killed, and a key backup renamed into place by a run killed before its
 * manifest was written: safe to remove while this run holds the backup lock.
 */
function removeLeftovers(dir: string): void {
  const names = readdirSync(dir);
  const manifests = new Set(names.filter((n) => n.endsWith(MANIFEST_SUFFIX)).map((n) => n.slice(0, -MANIFEST_SUFFIX.length)));
  for (const name of names) {
    const orphanKeys = name.endsWith(KEYS_SUFFIX) && !manifests.has(name.slice(0, -KEYS_SUFFIX.length));
    if (name.endsWith(PARTIAL_SUFFIX) || orphanKeys) rmSync(join(dir, name), { force: true });
  }
}
