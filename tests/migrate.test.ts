import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MigrationError } from "@/lib/db/migrate";
import { freshEmptyDatabase, withAdminClient } from "./helpers/db";

const OK = "tests/fixtures/migrations-ok";
const FAILING = "tests/fixtures/migrations-failing";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function emptyDatabase(): Promise<string> {
  const db = await freshEmptyDatabase();
  cleanups.push(db.drop);
  return db.url;
}

/** A private copy of a fixture folder, for tests that edit or delete migrations. */
function copyOf(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), "custodia-migrations-"));
  cpSync(fixture, dir, { recursive: true });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sql = <T extends pg.QueryResultRow>(url: string, text: string) => withAdminClient(async (c) => (await c.query<T>(text)).rows, url);

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}
const history = (url: string) => sql<Row>(url, "SELECT * FROM _prisma_migrations ORDER BY migration_name");
const tables = async (url: string) =>
  (await sql<{ t: string }>(url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((r) => r.t);
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("SQL migrator", () => {
  it("applies migrations in order and records them as prisma migrate deploy would", async () => {
    const url = await emptyDatabase();
    const logged: string[] = [];
    const { applied } = await migrate(url, { dir: OK, log: (m) => logged.push(m) });

    expect(applied).toEqual(["0001_widgets", "0002_guarded_notes"]);
    expect(logged).toEqual(["applied migration 0001_widgets", "applied migration 0002_guarded_notes"]);
    const rows = await history(url);
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(applied.map((name) => [name, sha256(join(OK, name, "migration.sql"))]));
    for (const row of rows) {
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    // The DO block, function, trigger and forced RLS of 0002 all ran as one multi-statement query.
    const [note] = await sql<{ forced: boolean; role: boolean; trigger: boolean }>(
      url,
      `SELECT relforcerowsecurity AS forced,
              EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custodia_fixture_reader') AS role,
              EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'note_append_only') AS trigger
         FROM pg_class WHERE relname = 'note'`,
    );
    expect(note).toEqual({ forced: true, role: true, trigger: true });
  });

  it("applies nothing the second time", async () => {
    const url = await emptyDatabase();
    await migrate(url, { dir: OK });
    const before = await history(url);
    expect((await migrate(url, { dir: OK })).applied).toEqual([]);
    expect(await history(url)).toEqual(before);
    expect(await sql(url, "SELECT name FROM widget")).toEqual([{ name: "first" }]);
  });

  it("refuses an applied migration that was edited, and applies nothing else", async () => {
    const url = await emptyDatabase();
    const dir = copyOf(OK);
    await migrate(url, { dir });
    const before = await history(url);
    writeFileSync(join(dir, "0001_widgets", "migration.sql"), "CREATE TABLE widget (id serial PRIMARY KEY, name text, extra text);\n");
    cpSync(join(dir, "0002_guarded_notes"), join(dir, "0003_pending"), { recursive: true });
    writeFileSync(join(dir, "0003_pending", "migration.sql"), "CREATE TABLE pending (id int);\n");

    await expect(migrate(url, { dir })).rejects.toThrow(/0001_widgets was edited after it was applied/);
    expect(await history(url)).toEqual(before);
    expect(await tables(url)).not.toContain("pending");
  });

  it("accepts a migration whose line endings git converted, as Prisma does", async () => {
    const url = await emptyDatabase();
    const dir = copyOf(OK);
    await migrate(url, { dir });
    const file = join(dir, "0002_guarded_notes", "migration.sql");
    writeFileSync(file, readFileSync(file, "utf8").replaceAll("\n", "\r\n"));
    expect((await migrate(url, { dir })).applied).toEqual([]);
  });

  it("rolls a failing migration back entirely and names it", async () => {
    const url = await emptyDatabase();
    const failure = migrate(url, { dir: FAILING });
    await expect(failure).rejects.toThrow(MigrationError);
    await expect(failure).rejects.toThrow(/migration 0002_half_done failed and was rolled back \(line 4\): .*no_such_function/);

    // 0001 stays applied; of 0002 neither the table it created nor a bookkeeping row remains.
    expect(await tables(url)).toEqual(["_prisma_migrations", "widget"]);
    expect((await history(url)).map((r) => r.migration_name)).toEqual(["0001_widgets"]);
    // And it fails the same way again instead of being half-applied.
    await expect(migrate(url, { dir: FAILING })).rejects.toThrow(/0002_half_done failed/);
  });

  it("refuses a database that records a migration missing on disk", async () => {
    const url = await emptyDatabase();
    const dir = copyOf(OK);
    await migrate(url, { dir });
    rmSync(join(dir, "0002_guarded_notes"), { recursive: true });
    await expect(migrate(url, { dir })).rejects.toThrow(/0002_guarded_notes is recorded in the database but missing on disk/);
  });

  it("refuses a database where a migration was left unfinished (a crashed prisma migrate deploy)", async () => {
    const url = await emptyDatabase();
    await migrate(url, { dir: OK });
    await sql(url, "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('crashed', 'x', '0003_crashed')");
    await expect(migrate(url, { dir: OK })).rejects.toThrow(/0003_crashed is recorded as started but not finished/);
  });

  it("applies each migration exactly once when several instances start together", async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([1, 2, 3].map(() => migrate(url, { dir: OK })));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(["0001_widgets", "0002_guarded_notes"]);
    expect((await history(url)).map((r) => r.migration_name)).toEqual(["0001_widgets", "0002_guarded_notes"]);
    expect(await sql(url, "SELECT count(*)::int AS n FROM widget")).toEqual([{ n: 1 }]);
  });
});
