import pg from "pg";

/**
 * A connection of its own for `work` (the migrator, owner-only reads, scratch databases, backups), closed
 * afterwards. A dropped connection fails the pending query instead of crashing the process with an 'error'
 * event, and a failed close never hides what `work` returned or threw.
 */
export async function withConnection<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** PGlite says so in version(): "PostgreSQL 18.6 (PGlite 0.5.14) on wasm32-unknown-emscripten". */
export async function isEmbeddedServer(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ version: string }>("SELECT version() AS version");
  return /PGlite|emscripten/i.test(rows[0]?.version ?? "");
}
