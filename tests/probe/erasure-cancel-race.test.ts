// Probe: the erasure runner re-checks "still scheduled?" with a plain read (lib/services/erasure.ts,
// processDueErasures) and only then erases and marks the request completed. A patient's cancellation that
// commits after that read and before the runner's own update is not seen: the patient is told the erasure is
// cancelled, and their record is erased anyway, irreversibly, with the request then shown as completed.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { cancelRequest, myRequests, submitRequest } from "@/lib/services/data-requests";
import { processDueErasures } from "@/lib/services/erasure";
import { adminQuery, isEmbedded, withAdminClient } from "../helpers/db";
import { actorOf, confirmedErasure, identity, makeUser, type TestUser } from "../helpers/fixtures";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-probe-${process.pid}-${Date.now()}.jsonl`;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lockWaiters = async () =>
  (await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0]!.n;
async function untilWaiters(n: number) {
  for (let waited = 0; waited < 15_000 && (await lockWaiters()) < n; waited += 25) await sleep(25);
}

let patient: TestUser;

beforeAll(async () => {
  patient = await makeUser("patient", { patient: identity() });
});

describe.skipIf(isEmbedded())("probe: a patient cancels an erasure while the runner is erasing", () => {
  it("either the cancellation is refused or nothing is erased; never a confirmed cancellation and an erased record", async () => {
    const requestId = await submitRequest(actorOf(patient), { ...confirmedErasure, reason: "Changed my mind later" });
    const keyBefore = (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [patient.patientId]))[0];
    const farFuture = new Date(Date.now() + 365 * 86_400_000);
    const [cancel, erased] = await withAdminClient(async (client) => {
      // Holding the request row only orders the two writers: the patient's cancellation is first in line, and
      // the runner reads "scheduled" (plain reads do not wait) before the cancellation commits.
      await client.query("BEGIN");
      await client.query("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [requestId]);
      const cancelling = cancelRequest(actorOf(patient), { requestId }).then(() => "cancelled" as const, (e: unknown) => e);
      await untilWaiters(1);
      const erasing = processDueErasures(undefined, farFuture);
      await untilWaiters(2);
      await client.query("COMMIT");
      return Promise.all([cancelling, erasing.catch((e: unknown) => e)]);
    });
    const [status] = (await myRequests(actorOf(patient))).filter((r) => r.id === requestId).map((r) => r.status);
    const keyAfter = (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [patient.patientId]))[0];
    const keyReplaced = keyAfter?.dek_wrapped !== keyBefore?.dek_wrapped;
    // The patient was told "cancelled": then the request stays cancelled and the data key (hence the record) is untouched.
    expect({ cancel, erased, status, keyReplaced }).toEqual({ cancel: "cancelled", erased: 0, status: "cancelled", keyReplaced: false });
  });
});
