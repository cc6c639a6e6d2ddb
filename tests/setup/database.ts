import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { disconnectPrisma } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";

/** One isolated database per test file: a clone of the migrated template, or a fresh in-memory PGlite. */
const testDb = inject("testDb");

if (testDb.mode === "server") {
  const name = `custodia_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testDb.server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${testDb.template}`);
  await admin.end();
  const url = new URL(testDb.server);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  process.env.CUSTODIA_TEST_DB_MODE = "server";
  afterAll(async () => {
    await disconnectPrisma();
    const cleanup = new pg.Client({ connectionString: testDb.server });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await cleanup.end();
  });
} else {
  const embedded = await startEmbeddedPostgres({ dataDir: "memory", port: 0 });
  await migrate(embedded.url);
  process.env.DATABASE_URL = embedded.url;
  process.env.CUSTODIA_TEST_DB_MODE = "embedded";
  afterAll(async () => {
    await disconnectPrisma();
    await embedded.stop();
  });
}
