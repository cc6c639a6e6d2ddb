import type pg from "pg";
import type { Checkpoint } from "@/lib/audit/checkpoint";
import { CHECKPOINT_COLUMNS, checkpointOf, type StoredCheckpoint } from "@/lib/audit/log-reader";
import { quoteIdent } from "@/lib/db/urls";

/**
 * What a database holds, as the backup's manifest records it and the drill checks it again on the restored
 * copy. Read as the owner (who bypasses row-level security) inside one snapshot: the same one pg_dump is given.
 */
export interface DatabaseFacts {
  /** Finished migrations, in order; the last is the schema version. */
  migrations: string[];
  auditHead: { chainSeq: string; hash: string } | null;
  lastCheckpoint: Checkpoint | null;
  rowCounts: Record<string, number>;
  /** Tables with row-level security both enabled and forced. */
  rlsForced: string[];
  /** Number of RLS policies per table that has any. */
  policies: Record<string, number>;
  /** The runtime role's privileges: `table:PRIV`, `table.column:PRIV`, `function():EXECUTE`. */
  appGrants: string[];
}

const q = async <T extends pg.QueryResultRow>(client: pg.Client, sql: string): Promise<T[]> => (await client.query<T>(sql)).rows;

export async function readDatabaseFacts(client: pg.Client): Promise<DatabaseFacts> {
  const migrations = (await q<{ migration_name: string }>(client,
    `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
  )).map((r) => r.migration_name);
  const [head] = await q<{ chain_seq: string; hash: string }>(client,
    `SELECT chain_seq::text AS chain_seq, hash FROM audit_event WHERE chain_seq IS NOT NULL ORDER BY audit_event.chain_seq DESC LIMIT 1`,
  );
  const [checkpoint] = await q<StoredCheckpoint>(client, `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint ORDER BY seq DESC LIMIT 1`);
  const tables = await q<{ name: string; forced: boolean; policies: number }>(client,
    `SELECT c.relname AS name, c.relrowsecurity AND c.relforcerowsecurity AS forced,
       (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
     FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const rowCounts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await q<{ n: string }>(client, `SELECT count(*)::text AS n FROM ${quoteIdent(name)}`);
    rowCounts[name] = Number(row!.n);
  }
  const grants = await q<{ grant: string }>(client,
    `SELECT c.relname || ':' || a.privilege_type AS grant
       FROM pg_class c, aclexplode(c.relacl) a
      WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = 'custodia_app'::regrole
     UNION ALL
     SELECT c.relname || '.' || att.attname || ':' || a.privilege_type
       FROM pg_class c JOIN pg_attribute att ON att.attrelid = c.oid, aclexplode(att.attacl) a
      WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = 'custodia_app'::regrole
     UNION ALL
     SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || '):' || a.privilege_type
       FROM pg_proc p, aclexplode(p.proacl) a
      WHERE p.pronamespace = 'public'::regnamespace AND a.grantee = 'custodia_app'::regrole
     ORDER BY 1`,
  );
  return {
    migrations,
    auditHead: head ? { chainSeq: head.chain_seq, hash: head.hash } : null,
    lastCheckpoint: checkpoint ? checkpointOf(checkpoint) : null,
    rowCounts,
    rlsForced: tables.filter((t) => t.forced).map((t) => t.name),
    policies: Object.fromEntries(tables.filter((t) => t.policies > 0).map((t) => [t.name, t.policies])),
    appGrants: grants.map((g) => g.grant),
  };
}
