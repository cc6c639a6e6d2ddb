import type pg from "pg";
import type { Logger } from "pino";
import { withConnection } from "@/lib/db/connection";

export interface PgauditStatus {
  loaded: boolean;
  /** The classes pgaudit logs for this connection's login role (deploy/postgresql/pgaudit.conf, .sql). */
  log: string | null;
}

/**
 * Whether the server runs pgaudit, as the runtime role can see it. pg_settings lists pgaudit.log only when the
 * library is loaded: a placeholder left by SET or ALTER ROLE/DATABASE on a server without it is not listed,
 * and the runtime role may not read shared_preload_libraries.
 */
export async function pgauditStatus(client: Pick<pg.Client, "query">): Promise<PgauditStatus> {
  const { rows } = await client.query<{ setting: string }>("SELECT setting FROM pg_settings WHERE name = 'pgaudit.log'");
  return rows[0] ? { loaded: true, log: rows[0].setting } : { loaded: false, log: null };
}

/**
 * Production start-up: without pgaudit, DDL, role changes and direct writes by the owner or a DBA leave no trace
 * outside the database they could edit (the database-security guide asks for it). A warning, not a refusal:
 * managed PostgreSQL may offer no pgaudit. A failed check is also a warning.
 */
export async function warnIfPgauditAbsent(databaseUrl: string, logger: Logger): Promise<PgauditStatus | null> {
  try {
    const status = await withConnection(databaseUrl, pgauditStatus);
    if (!status.loaded) {
      logger.warn(
        { check: "pgaudit" },
        "pgaudit is not loaded on the database server: schema changes, role changes and direct writes by the owner or a DBA are not in the server log (README, Production: pgaudit)",
      );
    }
    return status;
  } catch (error) {
    logger.warn({ check: "pgaudit", err: error }, "could not check whether pgaudit is loaded on the database server");
    return null;
  }
}
