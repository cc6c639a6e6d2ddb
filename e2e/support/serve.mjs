// Starts one portal instance for the end-to-end tests. The primary instance (CUSTODIA_SEED=1) owns a fresh
// database: a new E2E_DATABASE (default custodia_e2e) on the PostgreSQL server named by
// TEST_DATABASE_URL/DATABASE_URL, or an embedded PGlite in a temporary folder when none is configured.
// Secondary instances wait for it and share it. Ports come from playwright.config.ts (e2e/support/settings.ts).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const primary = process.env.CUSTODIA_SEED === "1";
const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const EMBEDDED_PORT = Number(process.env.E2E_EMBEDDED_PORT ?? 54339);
const PRIMARY_PORT = Number(process.env.E2E_PORT ?? 3100);
// settings.ts allows only a plain lower-case identifier, so the name is safe to place in SQL.
const DATABASE = process.env.E2E_DATABASE ?? "custodia_e2e";

function e2eDatabaseUrl() {
  if (!serverUrl) return undefined;
  const url = new URL(serverUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function recreateDatabase() {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${DATABASE}`);
  await client.end();
}

async function waitForPrimary() {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${PRIMARY_PORT}/sign-in`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("primary e2e server did not start");
}

const env = { ...process.env, CUSTODIA_ENV: "test", NODE_ENV: "production" };
// Checkpoints and the erasure ledger belong to this run's fresh database: a fixed folder the primary creates
// anew, shared by the secondary instance.
const runFiles = join(tmpdir(), `custodia-e2e-files-${PRIMARY_PORT}`);
env.CUSTODIA_CHECKPOINT_DIR = join(runFiles, "checkpoints");
env.CUSTODIA_ERASURE_LEDGER = join(runFiles, "erasure-ledger.jsonl");
env.BACKUP_DIR = join(runFiles, "backups");
delete env.TEST_DATABASE_URL;
if (primary) {
  rmSync(runFiles, { recursive: true, force: true });
  // The app's build is slow and made once (npm run build); the server's own compilation takes a second and is
  // redone every run, so the e2e always drive the current server.ts, compiled as `npm start` runs it.
  const build = existsSync(".next/BUILD_ID")
    ? spawnSync("npx", ["tsx", "scripts/build-server.ts"], { stdio: "inherit" })
    : spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (build.status !== 0) process.exit(1);
  if (serverUrl) {
    await recreateDatabase();
    env.DATABASE_URL = e2eDatabaseUrl();
  } else {
    delete env.DATABASE_URL;
    env.CUSTODIA_DATA_DIR = mkdtempSync(join(tmpdir(), "custodia-e2e-"));
    env.CUSTODIA_EMBEDDED_PORT = String(EMBEDDED_PORT);
  }
} else {
  await waitForPrimary();
  env.DATABASE_URL = e2eDatabaseUrl() ?? `postgresql://postgres@127.0.0.1:${EMBEDDED_PORT}/postgres?sslmode=disable`;
  env.CUSTODIA_SEED = "0";
}

// As `npm start` runs it: plain node, no tsx.
const child = spawn(process.execPath, ["--enable-source-maps", "dist/server.js"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
