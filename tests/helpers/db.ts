import pg from "pg";
import { inject } from "vitest";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { quoteIdent, withDatabase } from "@/lib/db/urls";
import { testDatabaseName } from "../setup/global";
import { withConnection } from "@/lib/db/connection";

/** The mode the integration suite runs in: a real PostgreSQL server, or the embedded default (PGlite). */
export function isEmbedded(): boolean {
  return inject("testDb").mode === "embedded";
}

/** This test file's own database as its owner (tests/setup/database.ts); the app connects as the runtime role. */
export function testDatabaseUrl(): string {
  const url = process.env.MIGRATION_DATABASE_URL;
  if (!url) throw new Error("the test database is not set up (tests/setup/database.ts)");
  return url;
}

/** Runs SQL as the connecting owner/superuser on this file's database: the attacker with the keys to the server. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Runs `work` on one admin connection (several statements, a transaction, a session setting). */
export function withAdminClient<T>(work: (client: pg.Client) => Promise<T>, url = testDatabaseUrl()): Promise<T> {
  return withConnection(url, work);
}

export interface EmptyDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * An empty, unmigrated database of the suite's kind, for tests of the migrator or of restores: a new database
 * on the server, or a new in-memory PGlite. The caller drops it (afterEach/afterAll or finally).
 */
export async function freshEmptyDatabase(): Promise<EmptyDatabase> {
  const { mode, server } = inject("testDb");
  if (mode === "embedded") {
    const embedded = await startEmbeddedPostgres({ dataDir: "memory", port: 0 });
    return { url: embedded.url, drop: embedded.stop };
  }
  const name = testDatabaseName();
  await withAdminClient((admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`), server);
  return {
    url: withDatabase(server, name),
    drop: () => withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`), server).then(() => undefined),
  };
}

/**
 * Every row of every table as text: what a stolen copy of the database would show. Works on both kinds of
 * database; on a real server the no-plaintext test also reads a genuine pg_dump.
 */
export async function sqlDump(): Promise<string> {
  const tables = await adminQuery<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await adminQuery<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${quoteIdent(table_name)} t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join("\n");
}
