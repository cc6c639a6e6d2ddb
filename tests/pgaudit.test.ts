import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withConnection } from "@/lib/db/connection";
import { migrate } from "@/lib/db/migrate";
import { createLogger } from "@/lib/ops/log";
import { pgauditStatus, warnIfPgauditAbsent } from "@/lib/ops/pgaudit";
import { testDatabaseUrl } from "./helpers/db";
import { asRuntimeConnection } from "./helpers/runtime-role";

/**
 * pgaudit as the README's production section configures it (deploy/postgresql/pgaudit.conf and .sql), on a
 * throwaway PostgreSQL 15 cluster of this test's own: the shared server is never restarted or reconfigured.
 */
const PG_BIN = "/usr/lib/postgresql/15/bin";
const PGAUDIT = "/usr/lib/postgresql/15/lib/pgaudit.so";
const absent = [`${PG_BIN}/initdb`, `${PG_BIN}/pg_ctl`, PGAUDIT].filter((f) => !existsSync(f));
if (absent.length > 0) {
  console.warn(
    `\n*** tests/pgaudit.test.ts SKIPPED: ${absent.join(", ")} missing. Install Debian's postgresql-15-pgaudit ` +
      "(`apt-get install postgresql-15-pgaudit`; .ci/run does it as root). pgaudit is NOT tested in this run. ***\n",
  );
}

const RUNTIME = "custodia_runtime"; // the name deploy/postgresql/pgaudit.sql uses
const isRoot = process.getuid?.() === 0;

/** initdb and the server refuse to run as root: run them as the postgres system user then. */
function asPostgresUser(command: string, args: string[]): void {
  const [file, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  execFileSync(file, argv, { stdio: "pipe" });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let dir = "";
let dataDir = "";
let serverLog = "";
let ownerUrl = "";
let runtimeUrl = "";

async function startCluster(): Promise<void> {
  dir = mkdtempSync(path.join(tmpdir(), "custodia-pgaudit-"));
  if (isRoot) {
    const [uid, gid] = ["-u", "-g"].map((flag) => Number(execFileSync("id", [flag, "postgres"]).toString().trim()));
    chownSync(dir, uid!, gid!);
  }
  dataDir = path.join(dir, "data");
  serverLog = path.join(dir, "server.log");
  const port = await freePort();
  asPostgresUser(`${PG_BIN}/initdb`, ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  appendFileSync(
    path.join(dataDir, "postgresql.conf"),
    [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, "fsync = off", "", readFileSync("deploy/postgresql/pgaudit.conf", "utf8")].join("\n"),
  );
  asPostgresUser(`${PG_BIN}/pg_ctl`, ["-D", dataDir, "-l", serverLog, "-w", "-t", "60", "start"]);
  const server = `postgresql://postgres@127.0.0.1:${port}`;
  await withConnection(`${server}/postgres`, (c) => c.query("CREATE DATABASE custodia"));
  ownerUrl = `${server}/custodia`;
  await migrate(ownerUrl);
  await withConnection(ownerUrl, async (c) => {
    await c.query(`CREATE ROLE ${RUNTIME} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS IN ROLE custodia_app`);
    await c.query(readFileSync("deploy/postgresql/pgaudit.sql", "utf8"));
  });
  runtimeUrl = `postgresql://${RUNTIME}@127.0.0.1:${port}/custodia`;
}

/** The server log's pgaudit lines, once `marker` has reached it (the backend writes it as the statement runs). */
async function auditLines(marker: string): Promise<string[]> {
  for (let waited = 0; waited < 3000; waited += 100) {
    const text = readFileSync(serverLog, "utf8");
    if (text.includes(marker)) return text.split("\n").filter((l) => l.includes("AUDIT:"));
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${marker} never reached the server log`);
}

/** The runtime role as the app uses it: a transaction switched to custodia_app. */
async function asRuntime(sql: string): Promise<void> {
  await withConnection(runtimeUrl, async (c) => {
    await c.query("BEGIN");
    await c.query("SELECT set_config('role', 'custodia_app', true)");
    await c.query(sql);
    await c.query("COMMIT");
  });
}

describe.skipIf(absent.length > 0)("pgaudit on a throwaway PostgreSQL 15 cluster with the documented settings", () => {
  beforeAll(startCluster, 120_000);
  afterAll(() => {
    if (dataDir && existsSync(path.join(dataDir, "postmaster.pid"))) asPostgresUser(`${PG_BIN}/pg_ctl`, ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs the owner's direct UPDATE of a PHI table, naming the table, and not the runtime role's own write", async () => {
    const ownerTarget = randomUUID();
    const runtimeTarget = randomUUID();
    await withConnection(ownerUrl, (c) => c.query(`UPDATE patient_identity SET phone_enc = NULL WHERE patient_id = '${ownerTarget}'`));
    await asRuntime(`UPDATE patient_identity SET phone_enc = NULL WHERE patient_id = '${runtimeTarget}'`);
    const end = randomUUID();
    await withConnection(ownerUrl, (c) => c.query(`SELECT '${end}'`)); // not audited: a read; only a marker for the log
    await withConnection(ownerUrl, (c) => c.query(`DELETE FROM login_throttle WHERE key = '${end}'`));
    const lines = await auditLines(end);
    expect(lines.filter((l) => l.includes(ownerTarget))).toEqual([
      expect.stringMatching(/AUDIT: SESSION,\d+,\d+,WRITE,UPDATE,TABLE,public\.patient_identity,/),
    ]);
    expect(lines.filter((l) => l.includes(runtimeTarget))).toEqual([]);
  });

  it("logs schema and role changes, and settings changed with SET", async () => {
    const probe = `probe_${randomUUID().slice(0, 8)}`;
    await withConnection(ownerUrl, async (c) => {
      await c.query(`ALTER TABLE clinical_record ADD COLUMN ${probe} int`);
      await c.query(`ALTER TABLE clinical_record DROP COLUMN ${probe}`);
      await c.query(`CREATE ROLE ${probe}`);
      await c.query(`GRANT custodia_app TO ${probe}`);
      await c.query(`SET session_replication_role = replica /* ${probe} */`);
    });
    const end = randomUUID();
    await withConnection(ownerUrl, (c) => c.query(`DELETE FROM login_throttle WHERE key = '${end}'`));
    const lines = await auditLines(end);
    expect(lines.filter((l) => l.includes(probe))).toEqual([
      expect.stringMatching(/DDL,ALTER TABLE,TABLE,public\.clinical_record,.*ADD COLUMN/),
      expect.stringMatching(/DDL,ALTER TABLE,TABLE COLUMN,public\.clinical_record\.probe_\w+,.*DROP COLUMN/),
      expect.stringMatching(/DDL,ALTER TABLE,TABLE,public\.clinical_record,.*DROP COLUMN/),
      expect.stringMatching(/ROLE,CREATE ROLE,/),
      expect.stringMatching(/ROLE,GRANT ROLE,/),
      expect.stringMatching(/MISC,SET,,,SET session_replication_role = replica/),
    ]);
  });

  it("a superuser can switch pgaudit off for its own session unseen (README: known gap); a non-superuser owner cannot", async () => {
    const hidden = randomUUID();
    await withConnection(ownerUrl, async (c) => {
      await c.query("SET pgaudit.log = 'none'");
      await c.query(`UPDATE patient_identity SET phone_enc = NULL WHERE patient_id = '${hidden}'`);
    });
    const end = randomUUID();
    await withConnection(ownerUrl, (c) => c.query(`DELETE FROM login_throttle WHERE key = '${end}'`));
    expect((await auditLines(end)).filter((l) => l.includes(hidden) || l.includes("SET pgaudit.log"))).toEqual([]);

    const owner = `owner_${randomUUID().slice(0, 8)}`;
    await withConnection(ownerUrl, (c) => c.query(`CREATE ROLE ${owner} LOGIN NOSUPERUSER BYPASSRLS`));
    await expect(withConnection(ownerUrl.replace("postgres@", `${owner}@`), (c) => c.query("SET pgaudit.log = 'none'"))).rejects.toThrow(
      /permission denied to set parameter/,
    );
  });

  it("the runtime role cannot switch its auditing off", async () => {
    await expect(asRuntime("SET pgaudit.log = 'none'")).rejects.toThrow(/permission denied to set parameter/);
  });

  it("the start-up check sees pgaudit from the runtime role and stays quiet", async () => {
    expect(await withConnection(runtimeUrl, pgauditStatus)).toEqual({ loaded: true, log: "ddl, role" });
    const lines: string[] = [];
    const logger = createLogger({ write: (line: string) => void lines.push(line) });
    expect(await warnIfPgauditAbsent(runtimeUrl, logger)).toMatchObject({ loaded: true });
    expect(lines).toEqual([]);
  });
});

describe("the README's pgaudit settings", () => {
  it("are the files this test applies, line for line", () => {
    const readme = readFileSync("README.md", "utf8");
    for (const file of ["deploy/postgresql/pgaudit.conf", "deploy/postgresql/pgaudit.sql"]) {
      const settings = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "" && !/^\s*(#|--)/.test(l));
      for (const line of settings) expect(readme, `${file}: ${line}`).toContain(`\n${line}\n`);
    }
  });
});

describe("start-up check on a server without pgaudit", () => {
  it("warns that pgaudit is absent, and is not fooled by a placeholder setting", async () => {
    const status = await asRuntimeConnection(null, async (c) => {
      await c.query("SET pgaudit.log = 'write'"); // a custom placeholder: accepted, but nothing is loaded
      return pgauditStatus(c);
    });
    expect(status).toEqual({ loaded: false, log: null });
    const lines: string[] = [];
    const logger = createLogger({ write: (line: string) => void lines.push(line) });
    expect(await warnIfPgauditAbsent(testDatabaseUrl(), logger)).toEqual({ loaded: false, log: null });
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: "warn", check: "pgaudit", msg: expect.stringMatching(/pgaudit is not loaded on the database server/) }),
    ]);
  });

  it("warns when it cannot check at all", async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line: string) => void lines.push(line) });
    const port = await freePort();
    expect(await warnIfPgauditAbsent(`postgresql://nobody@127.0.0.1:${port}/none`, logger)).toBeNull();
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["could not check whether pgaudit is loaded on the database server"]);
  });
});
