import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { withActorPg } from "@/lib/db/pg-transaction";
import { adminQuery, isEmbedded } from "./helpers/db";
import { actorOf, makeUser } from "./helpers/fixtures";

async function events(action: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>("SELECT count(*) AS n FROM audit_event WHERE action = $1", [action]);
  return Number(rows[0]?.n);
}

describe("raw-pg actor transactions (the read path)", () => {
  it("rolls back a transaction that outlives its allowance between statements, writing none of its audit", async () => {
    const auditor = actorOf(await makeUser("auditor"));
    await expect(
      withActorPg(
        auditor,
        async ({ query, audit }) => {
          await query("SELECT 1");
          audit({ action: "test.pg.late" });
          await sleep(300);
          return "late";
        },
        { timeoutMs: 150 },
      ),
    ).rejects.toThrow(/timed out/);
    expect(await events("test.pg.late")).toBe(0);
  });

  it("refuses to start a statement after the deadline", async () => {
    const auditor = actorOf(await makeUser("auditor"));
    let secondRan = false;
    await expect(
      withActorPg(
        auditor,
        async ({ query }) => {
          await sleep(200);
          await query("SELECT 1");
          secondRan = true;
        },
        { timeoutMs: 100 },
      ),
    ).rejects.toThrow(/timed out/);
    expect(secondRan).toBe(false);
  });

  it("commits the work and its audit event inside the allowance, every statement bounded by it", async () => {
    const auditor = actorOf(await makeUser("auditor"));
    const rows = await withActorPg(auditor, async ({ query, audit }) => {
      audit({ action: "test.pg.in_time" });
      return query<{ role: string; timeout: string }>("SELECT current_setting('app.actor_role') AS role, current_setting('statement_timeout') AS timeout");
    });
    expect(rows).toEqual([{ role: "auditor", timeout: "30s" }]);
    expect(await events("test.pg.in_time")).toBe(1);
  });
});

// PGlite does not enforce statement_timeout; there the deadline check after the statement rolls back instead.
describe.skipIf(isEmbedded())("raw-pg statement bound (PostgreSQL server)", () => {
  it("cancels one statement that runs past the allowance, and writes none of the transaction's audit", async () => {
    const auditor = actorOf(await makeUser("auditor"));
    await expect(
      withActorPg(
        auditor,
        async ({ query, audit }) => {
          audit({ action: "test.pg.slow" });
          await query("SELECT pg_sleep(2)");
        },
        { timeoutMs: 200 },
      ),
    ).rejects.toThrow(/statement timeout/);
    expect(await events("test.pg.slow")).toBe(0);
  });
});
