import pg from "pg";

/** The mode the integration suite runs in: a real PostgreSQL server, or the embedded default (PGlite). */
export function isEmbedded(): boolean {
  return process.env.CUSTODIA_TEST_DB_MODE === "embedded";
}

export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("the test database is not set up (tests/setup/database.ts)");
  return url;
}

/** Runs SQL as the connecting owner/superuser on this file's database: the attacker with the keys to the server. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** An empty database of the suite's kind, for tests of the migrator itself. */
export async function freshEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (isEmbedded()) {
    const { startEmbeddedPostgres } = await import("@/lib/db/embedded");
    const embedded = await startEmbeddedPostgres({ dataDir: "memory", port: 0 });
    return { url: embedded.url, drop: embedded.stop };
  }
  const name = `custodia_t_empty_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => void (await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
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
    const rows = await adminQuery<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join("\n");
}
