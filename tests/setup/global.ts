import { createHash } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrate, readMigrations } from "@/lib/db/migrate";

/**
 * Real PostgreSQL mode (TEST_DATABASE_URL or DATABASE_URL names a server): migrate a template database once
 * per set of migrations; every test file then clones it (tests/setup/database.ts). Embedded mode needs nothing.
 */
export default async function setup(project: TestProject) {
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!server) {
    project.provide("testDb", { mode: "embedded", server: "", template: "" });
    return;
  }
  const digest = createHash("sha256").update(readMigrations("prisma/migrations").map((m) => m.checksum).join(",")).digest("hex");
  const template = `custodia_tpl_${digest.slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_build`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const url = new URL(server);
      url.pathname = `/${building}`;
      await migrate(url.toString());
      // Renamed only when complete, so an interrupted run never leaves a half-migrated template behind.
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
    const stale = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'custodia_t\\_%'");
    for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
  } finally {
    await admin.end();
  }
  project.provide("testDb", { mode: "server", server, template });
}

declare module "vitest" {
  export interface ProvidedContext {
    testDb: { mode: "embedded" | "server"; server: string; template: string };
  }
}
