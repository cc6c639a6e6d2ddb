import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MigrationError } from "@/lib/db/migrate";
import { freshEmptyDatabase } from "./helpers/db";

const drops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const drop of drops.splice(0)) await drop();
});

async function database() {
  const db = await freshEmptyDatabase();
  drops.push(db.drop);
  return db.url;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function copyOf(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), "custodia-migrations-"));
  cpSync(`tests/fixtures/${fixture}`, dir, { recursive: true });
  return dir;
}

const tables = (url: string) =>
  query<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1").then((r) =>
    r.map((t) => t.table_name),
  );

describe("SQL migrator", () => {
  it("applies in order, records Prisma-compatible checksums, and is idempotent", async () => {
    const url = await database();
    expect((await migrate(url, { dir: "tests/fixtures/migrations-good" })).applied).toEqual(["001_a", "002_b"]);
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      url,
      "SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name",
    );
    const sha = (name: string) => createHash("sha256").update(readFileSync(`tests/fixtures/migrations-good/${name}/migration.sql`)).digest("hex");
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual([["001_a", sha("001_a")], ["002_b", sha("002_b")]]);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    expect((await migrate(url, { dir: "tests/fixtures/migrations-good" })).applied).toEqual([]);
  });

  it("refuses an applied migration that was edited, and changes nothing", async () => {
    const url = await database();
    const dir = copyOf("migrations-good");
    await migrate(url, { dir });
    writeFileSync(join(dir, "001_a", "migration.sql"), "CREATE TABLE fixture_a (id int PRIMARY KEY, extra text);");
    cpSync(join(dir, "002_b"), join(dir, "003_c"), { recursive: true });
    writeFileSync(join(dir, "003_c", "migration.sql"), "CREATE TABLE fixture_c (id int);");
    await expect(migrate(url, { dir })).rejects.toThrow(/001_a was edited/);
    expect(await tables(url)).toEqual(["_prisma_migrations", "fixture_a", "fixture_b"]);
    rmSync(dir, { recursive: true });
  });

  it("rolls a failing migration back entirely and names it", async () => {
    const url = await database();
    await expect(migrate(url, { dir: "tests/fixtures/migrations-bad" })).rejects.toThrow(MigrationError);
    await expect(migrate(url, { dir: "tests/fixtures/migrations-bad" })).rejects.toThrow(/002_broken failed/);
    expect(await tables(url)).toEqual(["_prisma_migrations", "fixture_a"]);
    const names = await query<{ migration_name: string }>(url, "SELECT migration_name FROM _prisma_migrations");
    expect(names.map((n) => n.migration_name)).toEqual(["001_a"]);
  });

  it("refuses a database that records a migration missing on disk", async () => {
    const url = await database();
    const dir = copyOf("migrations-good");
    await migrate(url, { dir });
    rmSync(join(dir, "002_b"), { recursive: true });
    await expect(migrate(url, { dir })).rejects.toThrow(/002_b is recorded in the database but missing on disk/);
  });

  it("applies each migration exactly once when two instances start together", async () => {
    const url = await database();
    const results = await Promise.all([migrate(url, { dir: "tests/fixtures/migrations-good" }), migrate(url, { dir: "tests/fixtures/migrations-good" })]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(["001_a", "002_b"]);
    const rows = await query<{ n: string }>(url, "SELECT count(*) AS n FROM _prisma_migrations");
    expect(rows[0]!.n).toBe("2");
  });
});
