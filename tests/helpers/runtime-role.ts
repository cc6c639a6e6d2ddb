import pg from "pg";

export interface SqlContext {
  role?: string;
  actorId?: string;
  patientId?: string;
}

/**
 * Runs one statement as the runtime role with the given actor context, bypassing the app entirely:
 * what an attacker with the app's database credentials (or an app bug) could do.
 */
export async function asRuntimeRole<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], context: SqlContext = {}): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL ROLE custodia_app");
    await client.query(
      "SELECT set_config('app.actor_role', $1, true), set_config('app.actor_id', $2, true), set_config('app.patient_id', $3, true)",
      [context.role ?? "", context.actorId ?? "", context.patientId ?? ""],
    );
    const result = await client.query<T>(sql, params);
    await client.query("COMMIT");
    return result.rows;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
