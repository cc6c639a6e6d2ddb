import pg from "pg";

/** The database the e2e servers share (see serve.mjs), for assertions on what the portal recorded. */
export function e2eDatabaseUrl(): string {
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!server) return `postgresql://postgres@127.0.0.1:${process.env.E2E_EMBEDDED_PORT}/postgres?sslmode=disable`;
  const url = new URL(server);
  url.pathname = `/${process.env.E2E_DATABASE}`;
  return url.toString();
}

export async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: e2eDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function auditEventsSince(
  seq: number,
): Promise<{ seq: string; action: string; outcome: string; actor_id: string | null; ip: string | null; details: Record<string, unknown> }[]> {
  return query("SELECT seq::text AS seq, action, outcome, actor_id::text, ip, details FROM audit_event WHERE seq > $1 ORDER BY audit_event.seq", [seq]);
}

export async function lastAuditSeq(): Promise<number> {
  const rows = await query<{ seq: string | null }>("SELECT max(seq)::text AS seq FROM audit_event");
  return Number(rows[0]?.seq ?? 0);
}
