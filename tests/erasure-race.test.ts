// The erasure run against what can happen to a request while it erases: the patient's cancellation, and a second
// run (the job, the admin's "run now" and `npm run erasure:process` can start one each). The run re-checks each
// request under its row lock (lib/services/erasure.ts), so a confirmed cancellation is never followed by the
// erasure and a request is erased, counted and audited once. The embedded database runs one transaction at a
// time, where these interleavings cannot happen: skipped there.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { NotFound } from "@/lib/access/errors";
import { cancelRequest, myRequests, submitRequest } from "@/lib/services/data-requests";
import { processDueErasures } from "@/lib/services/erasure";
import { held, untilLockWaiters } from "./helpers/concurrency";
import { adminQuery, isEmbedded, withAdminClient } from "./helpers/db";
import { actorOf, confirmedErasure, identity, makeUser, type TestUser } from "./helpers/fixtures";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-race-${process.pid}-${Date.now()}.jsonl`;
});

const farFuture = () => new Date(Date.now() + 365 * 86_400_000);
const dataKey = async (patientId: string) =>
  (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [patientId]))[0]?.dek_wrapped;
const audited = (action: string, requestId: string) => adminQuery("SELECT 1 FROM audit_event WHERE action = $1 AND resource_id = $2", [action, requestId]);

/**
 * The patient's cancellation and the run, both queued on the request row an outside client holds, `first`
 * ahead in the queue; plain reads do not wait, so the run has already read the request as scheduled.
 */
async function cancelAndRun(patient: TestUser, requestId: string, first: "cancel" | "run") {
  return withAdminClient(async (client) => {
    await client.query("BEGIN");
    await client.query("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [requestId]);
    const cancel = () => cancelRequest(actorOf(patient), { requestId }).then(() => "cancelled" as const, (e: unknown) => e);
    const run = () => processDueErasures(undefined, farFuture()).catch((e: unknown) => e);
    const cancelling = first === "cancel" ? cancel() : null;
    const erasing = first === "run" ? run() : null;
    await untilLockWaiters(1);
    const second = first === "cancel" ? run() : cancel();
    await untilLockWaiters(2);
    await client.query("COMMIT");
    return first === "cancel" ? Promise.all([cancelling!, second]) : Promise.all([second, erasing!]);
  });
}

let patient: TestUser;

beforeAll(async () => {
  patient = await makeUser("patient", { patient: identity() });
});

describe.skipIf(isEmbedded())("a patient cancels an erasure while the run is erasing", () => {
  it("a cancellation that gets there first is kept: cancelled, nothing erased, the patient still sees it cancelled", async () => {
    const requestId = await submitRequest(actorOf(patient), { ...confirmedErasure, reason: "Changed my mind later" });
    const keyBefore = await dataKey(patient.patientId!);
    const [cancel, erased] = await cancelAndRun(patient, requestId, "cancel");
    const [status] = (await myRequests(actorOf(patient))).filter((r) => r.id === requestId).map((r) => r.status);
    const keyReplaced = (await dataKey(patient.patientId!)) !== keyBefore;
    expect({ cancel, erased, status, keyReplaced }).toEqual({ cancel: "cancelled", erased: 0, status: "cancelled", keyReplaced: false });
    expect({ cancels: (await audited("request.cancel", requestId)).length, erasures: (await audited("erasure.execute", requestId)).length }).toEqual({
      cancels: 1,
      erasures: 0,
    });
  });

  it("a cancellation that comes after the erasure started is refused, not confirmed", async () => {
    const other = await makeUser("patient", { patient: identity() });
    const requestId = await submitRequest(actorOf(other), { ...confirmedErasure, reason: "Leaving the practice" });
    const [cancel, erased] = await cancelAndRun(other, requestId, "run");
    const [request] = await adminQuery<{ status: string }>("SELECT status FROM data_request WHERE id = $1", [requestId]);
    expect({ refused: cancel instanceof NotFound, erased, status: request!.status }).toEqual({ refused: true, erased: 1, status: "completed" });
    expect({ cancels: (await audited("request.cancel", requestId)).length, erasures: (await audited("erasure.execute", requestId)).length }).toEqual({
      cancels: 0,
      erasures: 1,
    });
  });
});

describe.skipIf(isEmbedded())("two erasure runs at once", () => {
  it("erase a scheduled request once between them: counted, shown to the patient's history and audited once", async () => {
    const p = await makeUser("patient", { patient: identity() });
    const requestId = await submitRequest(actorOf(p), { ...confirmedErasure, reason: "Leaving" });
    const results = await held("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [requestId], [
      () => processDueErasures(undefined, farFuture()),
      () => processDueErasures(undefined, farFuture()),
    ]);
    const executed = results.map((r) => (r.status === "fulfilled" ? r.value : 0)).reduce((a, b) => a + b, 0);
    const erasedEvents = await adminQuery("SELECT 1 FROM data_request_event WHERE request_id = $1 AND note = 'Erased'", [requestId]);
    expect({ failed: results.filter((r) => r.status === "rejected").length, executed, erasedEvents: erasedEvents.length }).toEqual({
      failed: 0,
      executed: 1,
      erasedEvents: 1,
    });
    expect(await audited("erasure.execute", requestId)).toHaveLength(1);
  });
});
