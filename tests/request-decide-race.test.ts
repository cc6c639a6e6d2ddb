// Deciding on a data-subject request is check-then-act ("still open?" then update): two administrators (or
// one double submit) at once, or an administrator and the patient cancelling, must not both act on the same
// open request. The request row is locked for the check (lib/services/data-requests.ts, lockedRequest); the
// one that comes second is told the request was already decided (or extended), and nothing more is written.
// On the embedded database, which runs one transaction at a time, the same attempts run one after the other.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { Conflict, NotFound } from "@/lib/access/errors";
import { cancelRequest, submitRequest } from "@/lib/services/data-requests";
import { decideRequest, extendRequest } from "@/lib/services/request-decisions";
import { held } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { actorOf, confirmedErasure, identity, makeUser, type TestUser } from "./helpers/fixtures";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-decide-${process.pid}-${Date.now()}.jsonl`;
});

let adminA: TestUser;
let adminB: TestUser;

beforeAll(async () => {
  adminA = await makeUser("admin");
  adminB = await makeUser("admin");
});

/** Both attempts read the request before either writes: an outside client holds its row until both wait. */
const both = <T>(requestId: string, a: () => Promise<T>, b: () => Promise<T>) => held("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [requestId], [a, b]);

const refusals = (results: PromiseSettledResult<unknown>[]) => results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));

describe("deciding one data-subject request twice at once", () => {
  it("lets exactly one of two parallel decisions (approve vs reject) on an erasure request through; the other is told it was decided", async () => {
    const p = await makeUser("patient", { patient: identity() });
    const id = await submitRequest(actorOf(p), { ...confirmedErasure, reason: "Leaving the practice" });
    const results = await both(
      id,
      () => decideRequest(actorOf(adminA), { requestId: id, decision: "approve", reason: "Erasure approved, no hold applies" }),
      () => decideRequest(actorOf(adminB), { requestId: id, decision: "reject", reason: "Legal hold on this record applies" }),
    );
    const decided = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'request.decide' AND resource_id = $1", [id]);
    const events = await adminQuery<{ status: string }>("SELECT status FROM data_request_event WHERE request_id = $1 ORDER BY created_at", [id]);
    // What the patient and the auditors see: one decision after the erasure was received (scheduled at once).
    expect({ fulfilled: results.filter((r) => r.status === "fulfilled").length, audited: decided.length, events: events.map((e) => e.status) }).toEqual({
      fulfilled: 1,
      audited: 1,
      events: ["scheduled", expect.stringMatching(/^(scheduled|rejected)$/)],
    });
    const [refused] = refusals(results);
    expect(refused).toBeInstanceOf(Conflict);
    expect(refused!.message).toMatch(/already been decided/);
    // Not left scheduled for a later erasure run in this database (a rejected one is closed already).
    if (events[1]!.status === "scheduled") await cancelRequest(actorOf(p), { requestId: id });
  });

  it("extends a request's legal deadline at most once under two parallel extensions; the other is told it was extended", async () => {
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
    const extensions = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'request.extend' AND resource_id = $1", [id]);
    expect({ fulfilled: results.filter((r) => r.status === "fulfilled").length, extendedDays, audited: extensions.length }).toEqual({
      fulfilled: 1,
      extendedDays: 30,
      audited: 1,
    });
    expect(refusals(results).map((e) => [e.constructor, e.message])).toEqual([[Conflict, "This request has already been extended once."]]);
  });

  it("a patient's cancellation and an administrator's approval of a restriction at once: one of them, never both", async () => {
    const p = await makeUser("patient", { patient: identity() });
    const id = await submitRequest(actorOf(p), { kind: "restriction", reason: "Accuracy contested" });
    const results = await both<string>(
      id,
      () => cancelRequest(actorOf(p), { requestId: id }).then(() => "cancel"),
      () => decideRequest(actorOf(adminA), { requestId: id, decision: "approve", reason: "Art. 18(1)(a) applies" }).then(() => "approve"),
    );
    const [request] = await adminQuery<{ status: string }>("SELECT status FROM data_request WHERE id = $1", [id]);
    const restricted = (await adminQuery("SELECT 1 FROM patient_restriction WHERE patient_id = $1", [p.patientId])).length === 1;
    const winner = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const [refused] = refusals(results);
    // Whoever was second is refused (the patient: no open request; the admin: already cancelled) and left no trace.
    expect(winner).toHaveLength(1);
    expect(refused).toBeInstanceOf(winner[0] === "cancel" ? Conflict : NotFound);
    expect({ status: request!.status, restricted }).toEqual(winner[0] === "cancel" ? { status: "cancelled", restricted: false } : { status: "completed", restricted: true });
    const audited = await adminQuery<{ action: string }>("SELECT action FROM audit_event WHERE action IN ('request.cancel', 'request.decide') AND resource_id = $1", [id]);
    expect(audited.map((a) => a.action)).toEqual([winner[0] === "cancel" ? "request.cancel" : "request.decide"]);
  });
});
