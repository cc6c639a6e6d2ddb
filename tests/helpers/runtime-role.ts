import pg from "pg";
import { inject } from "vitest";
import { withConnection } from "@/lib/db/connection";
import { SET_CONTEXT_SQL, setContextParams } from "@/lib/db/context";
import { RUNTIME_LOGIN_ROLE } from "../setup/global";

export interface SqlContext {
  role: string;
  actorId?: string;
  patientId?: string;
}

function runtimeUrl(): string {
  const url = new URL(process.env.MIGRATION_DATABASE_URL!);
  // The embedded database has one user: there the session starts as it and switches with SET ROLE below.
  if (inject("testDb").mode === "server") url.username = RUNTIME_LOGIN_ROLE;
  return url.toString();
}

/**
 * A connection of the runtime role, bypassing the app: what an attacker who runs arbitrary SQL over the app's
 * database credentials could do. Inside one transaction, with the genuine signed context of `context` (the
 * one the app itself would set for that actor) or none; `work` may then run anything.
 */
export async function asRuntimeConnection<T>(context: SqlContext | null, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: runtimeUrl() });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("BEGIN");
    if (context) {
      await client.query(SET_CONTEXT_SQL, setContextParams({ role: context.role, userId: context.actorId || null, patientId: context.patientId || null }));
    } else {
      await client.query("SET LOCAL ROLE custodia_app");
    }
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** One statement through asRuntimeConnection. */
export async function asRuntimeRole<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], context: SqlContext | null = null): Promise<T[]> {
  return asRuntimeConnection(context, async (client) => (await client.query<T>(sql, params)).rows);
}

/** One statement as the runtime login itself, before any role switch: what the credentials alone give. */
export function asRuntimeLogin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withConnection(runtimeUrl(), async (client) => (await client.query<T>(sql, params)).rows);
}
