/**
 * The portal's process: embedded PostgreSQL when DATABASE_URL is unset, migrations, demo seed outside
 * production, then Next.js behind a plain HTTP server that settles the client address and refuses forged or
 * oversized requests before Next sees them (lib/http/gate.ts).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import next from "next";
import { startSealer } from "@/lib/audit/sealer";
import { config, isProduction, publicOrigins, setDatabaseUrl } from "@/lib/config";
import { REQUEST_ID_HEADER } from "@/lib/auth/request-meta";
import { keyProvider } from "@/lib/crypto/keys";
import { poolStats } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { superviseWorker } from "@/lib/jobs/supervise";
import { prepareDatabase } from "@/lib/db/prepare";
import { assertRuntimeRoleConfined, assertSeparateMigrationRole } from "@/lib/db/runtime-role-check";
import { assertDatabaseTransport } from "@/lib/db/transport";
import { screenRequest } from "@/lib/http/gate";
import { serveOps } from "@/lib/ops/endpoints";
import { log, requestFields } from "@/lib/ops/log";
import { warnIfPgauditAbsent } from "@/lib/ops/pgaudit";
import { createMetrics } from "@/lib/ops/metrics";
import { auditBacklog, checkReadiness, watchMigrations } from "@/lib/ops/readiness";
import { routeKind } from "@/lib/ops/request";

const dev = process.argv.includes("--dev");
// `npm start` runs dist/server.js, compiled with dist/seed.js beside it (scripts/build-server.ts); `npm run dev`
// runs this file under tsx, which then loads the seed from its source.
const seedArgs = import.meta.url.endsWith(".js")
  ? ["--conditions=react-server", fileURLToPath(new URL("./seed.js", import.meta.url))]
  : ["--conditions=react-server", "--import", "tsx", "scripts/seed.ts"];
const workerArgs = import.meta.url.endsWith(".js")
  ? ["--conditions=react-server", fileURLToPath(new URL("./worker.js", import.meta.url))]
  : ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"];

async function main() {
  // Fail before serving anything: production without its keys must not start (KeyConfigError names them).
  keyProvider().secret("authSecret");
  const cfg = config();
  const { port, host: hostname } = cfg;
  const origins = publicOrigins(cfg);
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!cfg.databaseUrl) {
    if (isProduction()) throw new Error("DATABASE_URL is required in production");
    const embedded = await startEmbeddedPostgres({});
    setDatabaseUrl(embedded.url);
    stopEmbedded = embedded.stop;
    log().info({ database: embedded.url.replace(/\/\/[^@]*@/, "//") }, "embedded PostgreSQL started");
  }
  const databaseUrl = config().databaseUrl!;
  assertDatabaseTransport(databaseUrl, cfg);
  const ownerUrl = config().migrationDatabaseUrl ?? databaseUrl;
  // The second wall: in production the app must not run as the owner, nor as a role that escapes RLS.
  if (isProduction()) assertSeparateMigrationRole(databaseUrl, config().migrationDatabaseUrl);
  await prepareDatabase(ownerUrl, { log: (msg) => log().info(msg) });
  if (isProduction()) await assertRuntimeRoleConfined(databaseUrl, config().migrationDatabaseUrl);
  // With the owner's connection: the runtime role has no grant on _prisma_migrations. Read now, so a start
  // that cannot read it fails here rather than at the first probe.
  const migrations = watchMigrations(ownerUrl, 30_000);
  await migrations();
  if (isProduction()) await warnIfPgauditAbsent(databaseUrl, log());
  if (!isProduction() && cfg.seedDemo) {
    // A child process: the seed goes through the server-only service layer, loaded with the
    // react-server export condition that this Next.js host process must not use.
    // Asynchronous: the embedded database is served from this very process and must keep answering.
    const seed = spawn(process.execPath, seedArgs, {
      stdio: "inherit",
      env: process.env,
    });
    const [code] = (await once(seed, "exit")) as [number | null];
    if (code !== 0) throw new Error("seeding the demo data failed");
  }

  // Every instance runs the loop; the database lock lets one seal at a time, and another takes over if it dies.
  const stopSealer = startSealer(cfg.auditSealIntervalMs);
  // Scheduled jobs (lib/jobs/tasks.ts): every instance may run them, pg-boss runs each once per period.
  const stopJobs = cfg.jobsInServer ? superviseWorker(workerArgs) : async () => undefined;
  const app = next({ dev, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const metrics = createMetrics({ pool: poolStats, backlog: auditBacklog });
  const ops = {
    readiness: async () => checkReadiness({ migrations: await migrations(), backlog: auditBacklog, maxLagSeconds: cfg.readyMaxSealerLagSeconds }),
    metrics,
    metricsToken: cfg.metricsToken,
    trustProxyHops: cfg.trustProxyHops,
  };
  const server = createServer(async (req, res) => {
    // Ours, never the client's: proxy.ts passes it on to the app, which writes it into every audit event.
    const requestId = randomUUID();
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    const kind = routeKind(req.method ?? "GET", req.url, req.headers);
    res.once("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeRequest(kind, res.statusCode, seconds);
      // Probes and assets every second would drown the requests that matter: they are counted, not logged.
      if (kind !== "health" && kind !== "static") log().info({ ...requestFields(req), status: res.statusCode, ms: Math.round(seconds * 1000) }, "request");
    });
    try {
      if (await serveOps(req, res, ops)) return;
      if (await screenRequest(req, res, cfg, origins)) await handle(req, res);
    } catch (error) {
      log().error({ ...requestFields(req), err: error }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  server.on("error", (error: NodeJS.ErrnoException) => {
    log().fatal(error.code === "EADDRINUSE" ? `port ${port} on ${hostname} is already in use: stop what holds it, or set PORT` : error.message);
    process.exit(1);
  });
  server.listen(port, hostname, () => {
    const address = `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${(server.address() as AddressInfo).port}`;
    // Next forwards a server action to the page that holds it by fetching this origin; as under `next start`,
    // pin it to our own listener so a client-chosen Host header cannot point that request elsewhere.
    process.env.__NEXT_PRIVATE_ORIGIN = address;
    log().info({ env: cfg.env, listen: address }, `Custodia (${cfg.env}) ready on ${address}`);
  });
  const shutdown = async () => {
    server.close();
    await stopJobs();
    await stopSealer();
    await stopEmbedded?.();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  log().fatal({ err: error }, "start-up failed");
  process.exit(1);
});
