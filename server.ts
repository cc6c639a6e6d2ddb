/**
 * The portal's process: embedded PostgreSQL when DATABASE_URL is unset, migrations, demo seed outside
 * production, then Next.js behind a plain HTTP server that records the TCP peer address for the audit log.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import next from "next";
import { config, isProduction } from "@/lib/config";
import { keyProvider } from "@/lib/crypto/keys";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { prepareDatabase } from "@/lib/db/prepare";
import { CLIENT_IP_HEADER } from "@/lib/auth/request-meta";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";

async function main() {
  // Fail before serving anything: production without its keys must not start (KeyConfigError names them).
  keyProvider().secret("authSecret");
  const cfg = config();
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!cfg.databaseUrl) {
    if (isProduction()) throw new Error("DATABASE_URL is required in production");
    const embedded = await startEmbeddedPostgres({});
    process.env.DATABASE_URL = embedded.url;
    stopEmbedded = embedded.stop;
    console.log(`embedded PostgreSQL at ${embedded.url.replace(/\/\/[^@]*@/, "//")}`);
  }
  const databaseUrl = process.env.DATABASE_URL!;
  await prepareDatabase(process.env.MIGRATION_DATABASE_URL ?? databaseUrl, { log: console.log });
  if (!isProduction() && process.env.CUSTODIA_SEED !== "0") {
    // A child process: the seed goes through the server-only service layer, loaded with the
    // react-server export condition that this Next.js host process must not use.
    // Asynchronous: the embedded database is served from this very process and must keep answering.
    const seed = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/seed.ts"], {
      stdio: "inherit",
      env: process.env,
    });
    const [code] = (await once(seed, "exit")) as [number | null];
    if (code !== 0) throw new Error("seeding the demo data failed");
  }

  const app = next({ dev, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = createServer((req, res) => {
    // Overwrite, never trust, any client-supplied copy of our address header.
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
    void handle(req, res);
  });
  server.listen(port, hostname, () => {
    console.log(`Custodia (${cfg.env}) ready on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`);
  });
  const shutdown = async () => {
    server.close();
    await stopEmbedded?.();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
