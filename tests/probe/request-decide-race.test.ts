// Probe: an admin decision on a data-subject request is a check-then-act ("is it still open?" then update)
// with nothing serializing two decisions on the same request. Two administrators (or one double submit)
// deciding at once both pass the check, both apply, both are audited, and the last writer's status wins.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { submitRequest } from "@/lib/services/data-requests";
import { decideRequest, extendRequest } from "@/lib/services/request-decisions";
import { adminQuery, isEmbedded, withAdminClient } from "../helpers/db";
import { actorOf, confirmedErasure, identity, makeUser, type TestUser } from "../helpers/fixtures";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-probe-${process.pid}-${Date.now()}.jsonl`;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let adminA: TestUser;
let adminB: TestUser;

beforeAll(async () => {
  adminA = await makeUser("admin");
  adminB = await makeUser("admin");
});

/**
 * Lets both attempts read the request before either writes: an outside client holds the request row, both
 * decisions read it (a plain read does not wait), then queue on their UPDATE; the row is let go once both wait.
 * This is the interleaving two parallel requests get by chance; the hold only makes it certain.
 */
async function both<T>(requestId: string, a: () => Promise<T>, b: () => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  if (isEmbedded()) return Promise.allSettled([a(), b()]);
  return withAdminClient(async (client) => {
    await client.query("BEGIN");
    await client.query("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [requestId]);
    const all = Promise.allSettled([a(), b()]);
    for (let waited = 0; waited < 15_000; waited += 25) {
      const [row] = await adminQuery<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (row!.n >= 2) break;
      await sleep(25);
    }
    await client.query("COMMIT");
    return all;
  });
}

describe("probe: deciding one data-subject request twice at once", () => {
  it("lets exactly one of two parallel decisions (approve vs reject) on an erasure request through", async () => {
    const p = await makeUser("patient", { patient: identity() });
    const id = await submitRequest(actorOf(p), { ...confirmedErasure, reason: "Leaving the practice" });
    const results = await both(
      id,
      () => decideRequest(actorOf(adminA), { requestId: id, decision: "approve", reason: "Erasure approved, no hold applies" }),
      () => decideRequest(actorOf(adminB), { requestId: id, decision: "reject", reason: "Legal hold on this record applies" }),
    );
    const decided = await adminQuery<{ action: string; actor_id: string; details: { decision: string } }>(
      "SELECT action, actor_id, details FROM audit_event WHERE action = 'request.decide' AND resource_id = $1",
      [id],
    );
    const events = await adminQuery<{ status: string }>("SELECT status FROM data_request_event WHERE request_id = $1 ORDER BY created_at", [id]);
    // What the patient and the auditors see: one decision, one closing event.
    expect({ fulfilled: results.filter((r) => r.status === "fulfilled").length, audited: decided.length, events: events.map((e) => e.status) }).toEqual({
      fulfilled: 1,
      audited: 1,
      events: ["pending", expect.stringMatching(/^(scheduled|rejected)$/)],
    });
  });

  it("extends a request's legal deadline at most once under two parallel extensions", async () => {
    const p = await makeUser("patient", { patient: identity() });
    const id = await submitRequest(actorOf(p), { kind: "restriction", reason: "Accuracy contested" });
    const [before] = await adminQuery<{ hipaa_due_at: Date }>("SELECT hipaa_due_at FROM data_request WHERE id = $1", [id]);
    const results = await both(
      id,
      () => extendRequest(actorOf(adminA), { requestId: id, reason: "Complex request involving several departments" }),
      () => extendRequest(actorOf(adminB), { requestId: id, reason: "Waiting on the records office to reply" }),
    );
    const [after] = await adminQuery<{ hipaa_due_at: Date }>("SELECT hipaa_due_at FROM data_request WHERE id = $1", [id]);
    const extendedDays = (after!.hipaa_due_at.getTime() - before!.hipaa_due_at.getTime()) / 86_400_000;
    expect({ fulfilled: results.filter((r) => r.status === "fulfilled").length, extendedDays }).toEqual({ fulfilled: 1, extendedDays: 30 });
  });
});
