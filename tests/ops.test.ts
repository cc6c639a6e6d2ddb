import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { noRequest } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { disconnectPrisma, poolStats } from "@/lib/db/client";
import { withSystem } from "@/lib/db/transaction";
import { screenRequest } from "@/lib/http/gate";
import { serveOps } from "@/lib/ops/endpoints";
import { createMetrics } from "@/lib/ops/metrics";
import { auditBacklog, checkReadiness, migrationState, watchMigrations, type MigrationState } from "@/lib/ops/readiness";
import { adminQuery, testDatabaseUrl } from "./helpers/db";
import { exchange } from "./helpers/exchange";
import { asRuntimeRole } from "./helpers/runtime-role";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** This build's migrations in a private folder that a test may add to or take from. */
function migrationsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "custodia-ops-migrations-"));
  cpSync("prisma/migrations", dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function readyz(migrations: MigrationState, backlog = auditBacklog, maxLagSeconds = 60) {
  const metrics = createMetrics({ pool: poolStats, backlog }, { defaults: false });
  const { req, res, reply } = exchange("GET", "/readyz");
  await serveOps(req, res, { readiness: () => checkReadiness({ migrations, backlog, maxLagSeconds, timeoutMs: 5000 }), metrics, metricsToken: undefined, trustProxyHops: 0 });
  return { status: reply.status, body: JSON.parse(reply.body) };
}

/** Points the app's pool somewhere else for one test, then back at this file's database. */
async function appDatabase(url: string, poolSize?: string): Promise<void> {
  const saved = { url: process.env.DATABASE_URL, size: process.env.DATABASE_POOL_SIZE };
  await disconnectPrisma();
  process.env.DATABASE_URL = url;
  if (poolSize) process.env.DATABASE_POOL_SIZE = poolSize;
  cleanups.push(async () => {
    await disconnectPrisma();
    process.env.DATABASE_URL = saved.url;
    if (saved.size === undefined) delete process.env.DATABASE_POOL_SIZE;
    else process.env.DATABASE_POOL_SIZE = saved.size;
  });
}

describe("readiness against the real database", () => {
  it("a migrated, reachable database is ready: 200 and an empty sealer backlog", async () => {
    const migrations = await migrationState(testDatabaseUrl());
    expect(migrations).toEqual({ current: true, pending: [], unknown: [] });
    const { status, body } = await readyz(migrations);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: "ready",
      database: "ok",
      migrations: { current: true, pending: 0, unknown: 0 },
      sealer: { depth: 0, lagSeconds: 0, maxLagSeconds: 60, ok: true },
    });
  });

  it("a build that carries a migration the database lacks is not ready (503)", async () => {
    const dir = migrationsCopy();
    mkdirSync(join(dir, "9999_future"));
    writeFileSync(join(dir, "9999_future", "migration.sql"), "SELECT 1;");
    const migrations = await migrationState(testDatabaseUrl(), dir);
    expect(migrations).toEqual({ current: false, pending: ["9999_future"], unknown: [] });
    const { status, body } = await readyz(migrations);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "not ready", database: "ok", migrations: { current: false, pending: 1 } });
  });

  it("a build older than the database's schema is not ready either", async () => {
    const dir = migrationsCopy();
    const newest = readdirSync(dir).sort().at(-1)!;
    rmSync(join(dir, newest), { recursive: true });
    const migrations = await migrationState(testDatabaseUrl(), dir);
    expect(migrations).toEqual({ current: false, pending: [], unknown: [newest] });
    expect((await readyz(migrations)).status).toBe(503);
  });

  it("a newer build migrating the shared database makes a running instance not ready at its next re-read", async () => {
    const watched = watchMigrations(testDatabaseUrl(), 0);
    expect((await watched()).current).toBe(true);
    await adminQuery(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, '9999_newer_build', now(), 1)",
      [randomUUID(), "0".repeat(64)],
    );
    cleanups.push(() => adminQuery("DELETE FROM _prisma_migrations WHERE migration_name = '9999_newer_build'").then(() => undefined));
    const state = await watched();
    expect(state).toEqual({ current: false, pending: [], unknown: ["9999_newer_build"] });
    expect((await readyz(state)).status).toBe(503);
  });

  it("the migration state is re-read no more often than asked; one that cannot be read at all fails the start", async () => {
    const dir = migrationsCopy();
    const watched = watchMigrations(testDatabaseUrl(), 60_000, dir);
    expect((await watched()).current).toBe(true);
    mkdirSync(join(dir, "9999_future"));
    writeFileSync(join(dir, "9999_future", "migration.sql"), "SELECT 1;");
    expect((await watched()).current).toBe(true);
    const unreadable = watchMigrations("postgresql://postgres@127.0.0.1:1/postgres", 0);
    await expect(unreadable()).rejects.toThrow(/ECONNREFUSED/);
  });

  it("the runtime role cannot read the migration history, which is why it is read with the owner at start-up", async () => {
    await expect(asRuntimeRole("SELECT migration_name FROM _prisma_migrations")).rejects.toThrow(/permission denied/);
  });

  it("an unreachable database makes the instance not ready (503), and the metrics say the database is down", async () => {
    const migrations = await migrationState(testDatabaseUrl());
    // Port 1 on loopback: nothing listens, the connection is refused.
    await appDatabase("postgresql://postgres@127.0.0.1:1/postgres");
    const { status, body } = await readyz(migrations);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "not ready", database: "unreachable", sealer: null });
    const metrics = createMetrics({ pool: poolStats, backlog: auditBacklog }, { defaults: false });
    expect(await metrics.registry.metrics()).toContain("custodia_database_up 0");
  });

  it("a database that does not answer in time counts as unreachable", async () => {
    const migrations = await migrationState(testDatabaseUrl());
    const hung = () => new Promise<never>(() => undefined);
    const state = await checkReadiness({ migrations, backlog: hung, maxLagSeconds: 60, timeoutMs: 50 });
    expect(state).toMatchObject({ ready: false, database: "unreachable" });
  });

  it("audit events waiting longer than the bound to be sealed make the instance not ready", async () => {
    const migrations = await migrationState(testDatabaseUrl());
    const lagging = async () => ({ depth: 12, lagSeconds: 61 });
    const { status, body } = await readyz(migrations, lagging, 60);
    expect(status).toBe(503);
    expect(body.sealer).toEqual({ depth: 12, lagSeconds: 61, maxLagSeconds: 60, ok: false });
  });
});

describe("metrics from the real pool", () => {
  it("queries waiting for a pooled connection show as pool waits while more transactions than connections run", async () => {
    await appDatabase(process.env.DATABASE_URL!, "2");
    const metrics = createMetrics({ pool: poolStats, backlog: auditBacklog }, { defaults: false });
    const slow = Array.from({ length: 6 }, () => withSystem(noRequest, ({ tx }) => tx.$executeRaw`SELECT pg_sleep(0.3)`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = await metrics.registry.getSingleMetricAsString("custodia_db_pool_waiting");
    await Promise.all(slow);
    const waiting = Number(/custodia_db_pool_waiting (\d+)/.exec(during)?.[1]);
    expect(waiting).toBeGreaterThanOrEqual(1);
    expect(await metrics.registry.metrics()).toContain("custodia_db_pool_waiting 0");
  });
});

describe("the request id", () => {
  it("server.ts's request id is the one the audit event of a refused forged request carries", async () => {
    const requestId = randomUUID();
    const { req, res, reply } = exchange("POST", "/patient/consent", {
      peer: "203.0.113.5",
      headers: { origin: "http://evil.example", "x-request-id": requestId },
    });
    expect(await screenRequest(req, res, config(), ["http://localhost:3000"])).toBe(false);
    expect(reply.status).toBe(403);
    const events = await adminQuery<{ action: string; request_id: string | null; ip: string | null }>(
      "SELECT action, request_id, ip FROM audit_event WHERE request_id = $1",
      [requestId],
    );
    expect(events).toEqual([{ action: "request.refused", request_id: requestId, ip: "203.0.113.5" }]);
  });
});
