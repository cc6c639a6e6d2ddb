import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EmbeddedDatabaseInUse, startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/db/embedded";

const servers: EmbeddedPostgres[] = [];
const clients: pg.Client[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end().catch(() => undefined);
  for (const server of servers.splice(0)) await server.stop();
});
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function start(dataDir: string = "memory"): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port: 0 });
  servers.push(server);
  return server;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "custodia-pglite-"));
  dirs.push(dir);
  return join(dir, "pglite");
}

/** Holds back everything a client writes after its next Parse, as a slow network or a large parameter would. */
function stallAfterParse(client: pg.Client, ms: number): void {
  const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let held: unknown[][] | undefined;
  stream.write = ((...args: unknown[]) => {
    if (held) return held.push(args) > 0;
    if ((args[0] as Buffer)[0] === 0x50 /* Parse */) {
      held = [];
      setTimeout(() => {
        const release = held ?? [];
        held = undefined;
        release.forEach((a) => write(...a));
      }, ms);
    }
    return write(...args);
  }) as typeof stream.write;
}

describe("embedded PostgreSQL (PGlite over the wire protocol)", () => {
  it("serves several concurrent connections", async () => {
    const { url } = await start();
    const conns = await Promise.all(Array.from({ length: 8 }, () => connect(url)));
    const perConnection = async (c: pg.Client, k: number) => {
      const seen: number[] = [];
      for (const i of [0, 1, 2]) seen.push((await c.query<{ v: number }>("SELECT $1::int * 10 + $2::int AS v", [k, i])).rows[0]!.v);
      return seen;
    };
    expect(await Promise.all(conns.map(perConnection))).toEqual(conns.map((_, k) => [k * 10, k * 10 + 1, k * 10 + 2]));
  });

  it("keeps a connection's half-received query from running another connection's SQL", async () => {
    const { url } = await start();
    const [a, b] = [await connect(url), await connect(url)];
    stallAfterParse(a, 150);
    const first = a.query<{ who: string; p: string }>("SELECT 'a-sql' AS who, $1::text AS p", ["a-param"]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = b.query<{ who: string; p: string }>("SELECT 'b-sql' AS who, $1::text AS p", ["b-param"]);
    expect((await first).rows).toEqual([{ who: "a-sql", p: "a-param" }]);
    expect((await second).rows).toEqual([{ who: "b-sql", p: "b-param" }]);
  });

  it("serializes transactions: another connection waits for COMMIT and then sees the row", async () => {
    const { url } = await start();
    const [a, b] = [await connect(url), await connect(url)];
    await a.query("CREATE TABLE t (x int)");
    await a.query("BEGIN");
    await a.query("INSERT INTO t VALUES (1)");
    let committed = false;
    const read = b.query<{ n: number }>("SELECT count(*)::int AS n FROM t").then((r) => ({ n: r.rows[0]!.n, afterCommit: committed }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    committed = true;
    await a.query("COMMIT");
    expect(await read).toEqual({ n: 1, afterCommit: true });
  });

  it("keeps data across stop and start in a directory, which only one process may open", async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    await expect(startEmbeddedPostgres({ dataDir, port: 0 })).rejects.toThrow(EmbeddedDatabaseInUse);
    const c1 = await connect(first.url);
    await c1.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives a restart')");
    await c1.end();
    await first.stop();
    await expect(connect(first.url)).rejects.toThrow(/ECONNREFUSED/);

    const second = await start(dataDir);
    const c2 = await connect(second.url);
    expect((await c2.query("SELECT v FROM kept")).rows).toEqual([{ v: "survives a restart" }]);
  });
});
