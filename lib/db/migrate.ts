import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

/**
 * Applies prisma/migrations/<name>/migration.sql in order, each in its own transaction with its bookkeeping
 * row in `_prisma_migrations` (same columns and sha256 checksum as `prisma migrate deploy`, so both agree).
 * Refuses an edited or vanished migration instead of guessing. Concurrent runners are serialized.
 */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

const LOCK_KEY = 72_707_369; // advisory lock key shared by every migrator instance

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    });
}

const bookkeeping = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
  id varchar(36) PRIMARY KEY,
  checksum varchar(64) NOT NULL,
  finished_at timestamptz,
  migration_name varchar(255) NOT NULL,
  logs text,
  rolled_back_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  applied_steps_count integer NOT NULL DEFAULT 0
)`;

async function appliedMigrations(client: pg.Client): Promise<Map<string, string>> {
  const rows = await client.query<{ migration_name: string; checksum: string }>(
    "SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
  );
  return new Map(rows.rows.map((r) => [r.migration_name, r.checksum]));
}

function verifyHistory(done: Map<string, string>, migrations: Migration[]): void {
  const onDisk = new Map(migrations.map((m) => [m.name, m]));
  for (const [name, checksum] of done) {
    const file = onDisk.get(name);
    if (!file) throw new MigrationError(`migration ${name} is recorded in the database but missing on disk`);
    if (file.checksum !== checksum) {
      throw new MigrationError(`migration ${name} was edited after it was applied (checksum differs); add a new migration instead`);
    }
  }
}

export async function migrate(
  databaseUrl: string,
  options: { dir?: string; log?: (msg: string) => void } = {},
): Promise<{ applied: string[] }> {
  const migrations = readMigrations(options.dir ?? "prisma/migrations");
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await client.query(bookkeeping);
    await client.query("COMMIT");
    // Check the whole history before touching anything: an edited or vanished migration changes nothing.
    verifyHistory(await appliedMigrations(client), migrations);
    const applied: string[] = [];
    for (const m of migrations) {
      try {
        await client.query("BEGIN");
        // Serializes concurrent migrators (several app instances starting at once): the second one waits,
        // then sees the migration recorded and skips it.
        await client.query("LOCK TABLE _prisma_migrations IN EXCLUSIVE MODE");
        const done = await appliedMigrations(client);
        if (done.has(m.name)) {
          verifyHistory(done, migrations);
          await client.query("COMMIT");
          continue;
        }
        await client.query(m.sql);
        await client.query(
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        if (error instanceof MigrationError) throw error;
        throw new MigrationError(`migration ${m.name} failed and was rolled back: ${(error as Error).message}`);
      }
      applied.push(m.name);
      options.log?.(`applied migration ${m.name}`);
    }
    return { applied };
  } finally {
    await client.end();
  }
}
