import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrate, readMigrations } from "@/lib/db/migrate";
import { quoteIdent, withDatabase } from "@/lib/db/urls";

/**
 * Real PostgreSQL mode (TEST_DATABASE_URL or DATABASE_URL names a server; its database is only used to
 * administer): migrate a template database once per set of migrations, which every test file then clones
 * (tests/setup/database.ts). Embedded mode needs nothing here: each file starts its own in-memory PGlite.
 */
export interface TestDbContext {
  mode: "embedded" | "server";
  server: string;
  template: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    testDb: TestDbContext;
  }
}

// Test databases are named custodia_t_<base36 creation time>_<random>, so a later run can tell a leftover
// from a crashed run (drop it) from one a concurrent run is still using (leave it).
const TEST_DB_PREFIX = "custodia_t_";
const STALE_AFTER_MS = 2 * 60 * 60 * 1000;
const OBSOLETE_TEMPLATE_AFTER_MS = 24 * 60 * 60 * 1000;
const TEMPLATE_LOCK = 72_707_370; // serializes template builds between concurrent vitest runs

export function testDatabaseName(): string {
  return `${TEST_DB_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export function templateName(dir = "prisma/migrations"): string {
  const digest = createHash("sha256");
  for (const m of readMigrations(dir)) digest.update(`${m.name}:${m.checksum}\n`);
  return `custodia_tpl_${digest.digest("hex").slice(0, 16)}`;
}

async function ensureTemplate(admin: pg.Client, server: string, template: string): Promise<void> {
  await admin.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK})`);
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
    if (exists.rowCount) return;
    // Built under another name and renamed when complete: an interrupted build never passes for a template.
    const building = `${template}_build`;
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(building)}`);
    try {
      await migrate(withDatabase(server, building));
    } catch (error) {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`).catch(() => undefined);
      throw error;
    }
    await admin.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(template)}`);
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(${TEMPLATE_LOCK})`).catch(() => undefined);
  }
}

/** Creation time of a database: from its name, else (superuser only) from its PG_VERSION file. */
async function createdAt(admin: pg.Client, datname: string, oid: number): Promise<number | undefined> {
  const named = /^custodia_t_([0-9a-z]{8,9})_[0-9a-f]{8}$/.exec(datname);
  if (named) return parseInt(named[1]!, 36);
  try {
    const { rows } = await admin.query<{ modified: Date }>(`SELECT (pg_stat_file('base/' || $1::text || '/PG_VERSION')).modification AS modified`, [oid]);
    return rows[0]?.modified.getTime();
  } catch {
    return undefined;
  }
}

/** Best effort: leftovers of crashed runs, and templates of other migration sets built over a day ago. */
async function dropStale(admin: pg.Client, template: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string; oid: number }>(
    "SELECT datname, oid FROM pg_database WHERE datname LIKE 'custodia\\_t\\_%' OR (datname LIKE 'custodia\\_tpl\\_%' AND datname <> $1)",
    [template],
  );
  for (const { datname, oid } of rows) {
    const born = await createdAt(admin, datname, oid);
    const limit = datname.startsWith(TEST_DB_PREFIX) ? STALE_AFTER_MS : OBSOLETE_TEMPLATE_AFTER_MS;
    if (born === undefined || Date.now() - born < limit) continue;
    // Templates without FORCE: one still being cloned by a concurrent run makes the drop fail, harmlessly.
    const force = datname.startsWith(TEST_DB_PREFIX) ? " WITH (FORCE)" : "";
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)}${force}`).catch(() => undefined);
  }
}

/** A login role that is a member of custodia_app, as production's DATABASE_URL user is (README, Production). */
export const RUNTIME_LOGIN_ROLE = "custodia_runtime_test";

/** For tests/helpers/runtime-role.ts; roles belong to the server, so created once here, race-free. */
async function ensureRuntimeLoginRole(admin: pg.Client): Promise<void> {
  await admin.query(`DO $$ BEGIN
    CREATE ROLE ${RUNTIME_LOGIN_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  await admin.query(`GRANT custodia_app TO ${RUNTIME_LOGIN_ROLE}`);
}

export default async function setup(project: TestProject): Promise<void> {
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!server) {
    project.provide("testDb", { mode: "embedded", server: "", template: "" });
    return;
  }
  const template = templateName();
  const admin = new pg.Client({ connectionString: server });
  admin.on("error", () => undefined);
  await admin.connect();
  try {
    await ensureTemplate(admin, server, template);
    await ensureRuntimeLoginRole(admin);
    await dropStale(admin, template);
  } finally {
    await admin.end();
  }
  project.provide("testDb", { mode: "server", server, template });
}
