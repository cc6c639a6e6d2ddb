import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";
import { config } from "@/lib/config";
import { assertDatabaseTransport } from "./transport";

/**
 * Applies prisma/migrations/<name>/migration.sql in lexical order, each in its own transaction together with
 * its row in `_prisma_migrations` (Prisma's table, columns and sha256 checksum, so `prisma migrate status`
 * and `deploy` agree with us). We run plain SQL ourselves because the Prisma schema engine cannot be
 * downloaded here, and roles, grants, RLS policies and triggers are raw SQL anyway.
 * Refuses, changing nothing, when history and disk disagree: an applied migration edited, or one deleted.
 */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MigrationError";
  }
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  dir?: string;
  log?: (msg: string) => void;
}

// The key `prisma migrate` itself locks, so we also serialize against a concurrent `prisma migrate deploy`.
const LOCK_KEY = 72_707_369;

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

export function readMigrations(dir = "prisma/migrations"): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`no migrations directory at ${resolve(dir)}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: sha256(bytes) };
    });
}

/** Prisma accepts a checksum computed with either line ending (git may have converted them on checkout). */
function matchesChecksum(sql: string, recorded: string): boolean {
  return [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")].some((text) => sha256(text) === recorded);
}

export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
  id varchar(36) PRIMARY KEY NOT NULL,
  checksum varchar(64) NOT NULL,
  finished_at timestamptz,
  migration_name varchar(255) NOT NULL,
  logs text,
  rolled_back_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  applied_steps_count integer NOT NULL DEFAULT 0
)`;

interface Recorded {
  migration_name: string;
  checksum: string;
  finished: boolean;
}

function checkHistory(recorded: Recorded[], onDisk: Migration[]): void {
  const byName = new Map(onDisk.map((m) => [m.name, m]));
  for (const row of recorded) {
    if (!row.finished) {
      throw new MigrationError(`migration ${row.migration_name} is recorded as started but not finished; inspect the database and mark it rolled back (prisma migrate resolve) before migrating`);
    }
    const file = byName.get(row.migration_name);
    if (!file) throw new MigrationError(`migration ${row.migration_name} is recorded in the database but missing on disk; restore it, never delete applied migrations`);
    if (!matchesChecksum(file.sql, row.checksum)) {
      throw new MigrationError(`migration ${row.migration_name} was edited after it was applied (checksum differs); revert the edit and add a new migration instead`);
    }
  }
}

function describeFailure(m: Migration, error: unknown): string {
  const position = Number((error as { position?: string }).position);
  const where = Number.isFinite(position) && position > 0 ? ` (line ${m.sql.slice(0, position).split("\n").length})` : "";
  return `migration ${m.name} failed and was rolled back${where}: ${error instanceof Error ? error.message : String(error)}`;
}

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  assertDatabaseTransport(databaseUrl, config());
  const migrations = readMigrations(options.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  // A dropped connection then fails the pending query instead of crashing the process with an 'error' event.
  client.on("error", () => undefined);
  await client.connect();
  try {
    // Two app instances starting together: the second waits here, then finds nothing left to do.
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS locked`);
    if (!rows[0]?.locked) {
      options.log?.("waiting for another migrator to finish");
      await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    }
    await client.query(CREATE_MIGRATIONS_TABLE);
    const recorded = await client.query<Recorded>(
      "SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE rolled_back_at IS NULL",
    );
    checkHistory(recorded.rows, migrations);
    const done = new Set(recorded.rows.map((row) => row.migration_name));
    const applied: string[] = [];
    for (const m of migrations.filter((m) => !done.has(m.name))) {
      if (await applyOne(client, m)) {
        applied.push(m.name);
        options.log?.(`applied migration ${m.name}`);
      }
    }
    return { applied };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/** One migration and its bookkeeping row commit together or not at all. Returns false if already applied. */
async function applyOne(client: pg.Client, m: Migration): Promise<boolean> {
  await client.query("BEGIN");
  try {
    // Checked again inside the transaction: on the embedded database every connection shares one session,
    // so the advisory lock above does not exclude a concurrent migrator there, but transactions are serialized.
    const again = await client.query(
      "SELECT 1 FROM _prisma_migrations WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL",
      [m.name],
    );
    if (again.rowCount) {
      await client.query("COMMIT");
      return false;
    }
    // One multi-statement simple query: DO $$ … $$ blocks, functions and policies run exactly as written.
    await client.query(m.sql);
    await recordMigration(client, m);
    await client.query("COMMIT");
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw new MigrationError(describeFailure(m, error), { cause: error });
  }
}

/** The bookkeeping row of a migration just applied in the caller's open transaction (also a restore's, backup/logical.ts). */
export async function recordMigration(client: pg.Client, m: Migration): Promise<void> {
  await client.query(
    `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
    [randomUUID(), m.checksum, m.name],
  );
}
