import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/** One manifest per backup, beside its file: what was backed up, and what a restore must find again. */
const checkpointSchema = z.object({ seq: z.string(), hash: z.string(), signedAt: z.string(), signature: z.string(), keyId: z.string() });

export const PG_DUMP_FORMAT = "pg_dump/custom";

export const manifestSchema = z.object({
  format: z.literal("custodia-backup/v1"),
  id: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/),
  /** What the encrypted file holds: pg_dump's custom format (PostgreSQL), or the embedded database's logical dump. */
  dump: z.enum([PG_DUMP_FORMAT, "custodia-logical/v1"]).default(PG_DUMP_FORMAT),
  createdAt: z.iso.datetime(),
  file: z.string(),
  /** Bytes of the encrypted file. */
  size: z.number().int().nonnegative(),
  plaintextSize: z.number().int().nonnegative(),
  sha256: z.object({ ciphertext: z.string().regex(/^[0-9a-f]{64}$/), plaintext: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Fingerprint of the backup key (never the key): which key a restore needs. */
  keyId: z.string(),
  migrationVersion: z.string().nullable(),
  migrations: z.array(z.string()),
  audit: z.object({
    head: z.object({ chainSeq: z.string(), hash: z.string() }).nullable(),
    lastCheckpoint: checkpointSchema.nullable(),
  }),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  rlsForced: z.array(z.string()),
  policies: z.record(z.string(), z.number().int().positive()),
  appGrants: z.array(z.string()),
  /** The key backup of the same snapshot (key-backup.ts); absent for backups made before keys left the dump. */
  keys: z.object({
    file: z.string(),
    size: z.number().int().nonnegative(),
    count: z.number().int().nonnegative(),
    sha256: z.object({ ciphertext: z.string().regex(/^[0-9a-f]{64}$/), plaintext: z.string().regex(/^[0-9a-f]{64}$/) }),
  }).optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_SUFFIX = ".manifest.json";
export const FILE_SUFFIX = ".cbk";
export const PARTIAL_SUFFIX = ".partial";

export function manifestPath(dir: string, id: string): string {
  return join(dir, `${id}${MANIFEST_SUFFIX}`);
}

export class BackupNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupNotFoundError";
  }
}

export function readManifest(dir: string, id: string): Manifest {
  if (!/^[0-9A-Za-z-]+$/.test(id)) throw new BackupNotFoundError(`"${id}" is not a backup id`);
  const path = manifestPath(dir, id);
  if (!existsSync(path)) throw new BackupNotFoundError(`no backup ${id} in ${dir}`);
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new BackupNotFoundError(`the manifest of backup ${id} is damaged: ${parsed.error.issues[0]?.message}`);
  if (parsed.data.id !== id) throw new BackupNotFoundError(`the manifest of backup ${id} names another backup (${parsed.data.id})`);
  return parsed.data;
}

/** Complete backups (those with a manifest), newest first. */
export function listManifests(dir: string): Manifest[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(MANIFEST_SUFFIX))
    .map((name) => readManifest(dir, name.slice(0, -MANIFEST_SUFFIX.length)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Written aside, synced and renamed: a manifest exists only whole, and only for a complete file. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const path = manifestPath(dir, manifest.id);
  const temporary = `${path}${PARTIAL_SUFFIX}`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncDir(dir);
}

export function syncDir(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
