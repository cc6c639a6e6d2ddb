import { adminQuery } from "./db";

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
