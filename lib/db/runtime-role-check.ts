import type pg from "pg";
import { withConnection } from "./connection";

/**
 * Why the runtime login role cannot be the app's second wall, in words for the operator; empty when it can.
 * A role that is superuser or BYPASSRLS (or may become one), owns the tables or may become their owner is
 * not held by row-level security: an SQL injection would RESET ROLE out of custodia_app and read everything.
 */
export async function runtimeRoleProblems(client: Pick<pg.Client, "query">): Promise<string[]> {
  const { rows } = await client.query<{ login: string; privileged: string | null; owners: string | null }>(
    `SELECT session_user::text AS login,
       (SELECT string_agg(r.rolname, ', ' ORDER BY r.rolname) FROM pg_roles r
         WHERE (r.rolsuper OR r.rolbypassrls) AND pg_has_role(session_user, r.oid, 'MEMBER')) AS privileged,
       (SELECT string_agg(DISTINCT c.relowner::regrole::text, ', ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_has_role(session_user, c.relowner, 'MEMBER')) AS owners`,
  );
  const { login, privileged, owners } = rows[0]!;
  const problems: string[] = [];
  if (privileged) problems.push(`the role ${login} is or may become a superuser or BYPASSRLS role (${privileged})`);
  if (owners) problems.push(`the role ${login} owns or may become the owner of the tables (${owners})`);
  return problems;
}

export class UnsafeRuntimeRole extends Error {}

/** Production, before migrating: the owner's MIGRATION_DATABASE_URL is set and logs in as another role. */
export function assertSeparateMigrationRole(databaseUrl: string, migrationDatabaseUrl: string | undefined): void {
  if (!migrationDatabaseUrl || new URL(migrationDatabaseUrl).username === new URL(databaseUrl).username) {
    throw new UnsafeRuntimeRole(
      "In production, MIGRATION_DATABASE_URL (the owner, for migrations) must be set and log in as another role than DATABASE_URL (the app's runtime role, a member of custodia_app only).",
    );
  }
}

/**
 * Production start-up, once migrated: the runtime DATABASE_URL must be a confined role, separate from the
 * owner's. Refuses (throws) with what to fix; the server must not serve on such a role.
 */
export async function assertRuntimeRoleConfined(databaseUrl: string, migrationDatabaseUrl: string | undefined): Promise<void> {
  assertSeparateMigrationRole(databaseUrl, migrationDatabaseUrl);
  const problems = await withConnection(databaseUrl, runtimeRoleProblems);
  if (problems.length > 0) {
    throw new UnsafeRuntimeRole(
      `DATABASE_URL must log in as a role that row-level security holds: ${problems.join("; ")}. Create a login role that is only a member of custodia_app (README, Production) and use it in DATABASE_URL.`,
    );
  }
}
