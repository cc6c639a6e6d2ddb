import { noRequest } from "@/lib/access/actor";
import { readMigrations } from "@/lib/db/migrate";
import { withSystem } from "@/lib/db/transaction";
import { withConnection } from "@/lib/db/connection";

/**
 * Whether this instance should receive traffic (GET /readyz, for a load balancer): the database answers,
 * its schema is the one this build expects, and audit events are being sealed into the hash chain.
 */

export interface MigrationState {
  current: boolean;
  /** On disk, not applied: this build expects schema the database does not have yet. */
  pending: string[];
  /** Applied, not on disk: a newer build migrated the database past this one. */
  unknown: string[];
}

/** Compares the applied set with this build's migrations. Owner URL: the runtime role may not read the table. */
export async function migrationState(ownerUrl: string, dir?: string): Promise<MigrationState> {
  const { rows } = await withConnection(ownerUrl, (client) =>
    client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    ),
  );
  return compareMigrations(rows.map((row) => row.migration_name), readMigrations(dir).map((m) => m.name));
}

/**
 * The migration state, re-read at most every `maxAgeMs`: a newer build that migrates the shared database
 * during a rolling deploy makes this instance not ready, since its queries were written for the old schema.
 * A failed re-read keeps the last state; an unreachable database is reported by the backlog check.
 */
export function watchMigrations(ownerUrl: string, maxAgeMs: number, dir?: string): () => Promise<MigrationState> {
  let last: { state: MigrationState; at: number } | null = null;
  let pending: Promise<MigrationState> | null = null;
  return () => {
    if (last && Date.now() - last.at < maxAgeMs) return Promise.resolve(last.state);
    pending ??= migrationState(ownerUrl, dir)
      .then((state) => (last = { state, at: Date.now() }).state)
      .catch((error: unknown) => {
        if (last) return last.state;
        throw error;
      })
      .finally(() => (pending = null));
    return pending;
  };
}

export function compareMigrations(applied: string[], onDisk: string[]): MigrationState {
  const done = new Set(applied);
  const known = new Set(onDisk);
  const pending = onDisk.filter((name) => !done.has(name));
  const unknown = applied.filter((name) => !known.has(name));
  return { current: pending.length === 0 && unknown.length === 0, pending, unknown };
}

export interface AuditBacklog {
  /** Events committed but not yet sealed into the hash chain. */
  depth: number;
  /** Age in seconds of the oldest of them; 0 when there are none. */
  lagSeconds: number;
}

/**
 * Audit events committed but not yet chained by the sealer (lib/audit/sealer.ts): what readiness and the
 * metrics watch (a partial index keeps it cheap). Also proves the database answers.
 */
export async function auditBacklog(): Promise<AuditBacklog> {
  const [row] = await withSystem(noRequest, ({ tx }) =>
    tx.$queryRaw<{ depth: bigint; lag: number | null }[]>`
      SELECT count(*) AS depth, EXTRACT(EPOCH FROM now() - min(occurred_at))::float8 AS lag
      FROM audit_event WHERE chain_seq IS NULL`,
  );
  return { depth: Number(row?.depth ?? 0), lagSeconds: Math.max(0, row?.lag ?? 0) };
}

export interface Readiness {
  ready: boolean;
  database: "ok" | "unreachable";
  migrations: MigrationState;
  sealer: (AuditBacklog & { maxLagSeconds: number; ok: boolean }) | null;
}

export interface ReadinessDeps {
  migrations: MigrationState;
  backlog: () => Promise<AuditBacklog>;
  maxLagSeconds: number;
  /** A database that does not answer within this is as good as down for a request. */
  timeoutMs?: number;
}

export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const backlog = await withTimeout(deps.backlog(), deps.timeoutMs ?? 2000).catch(() => null);
  const sealer = backlog && { ...backlog, maxLagSeconds: deps.maxLagSeconds, ok: backlog.lagSeconds <= deps.maxLagSeconds };
  return {
    ready: sealer !== null && sealer.ok && deps.migrations.current,
    database: backlog ? "ok" : "unreachable",
    migrations: deps.migrations,
    sealer,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
