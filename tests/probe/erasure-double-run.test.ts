// Probe: the erasure run has three starters (the job, the admin's "run now" in erasure-queue.ts, the
// erasure:process script) and no lock of its own; each erasure re-checks "still scheduled?" with a plain read.
// Two runs at once both erase the same patient: two "Erased" events in the patient's request history and two
// erasures counted, audited and written to the ledger for one request.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { submitRequest } from "@/lib/services/data-requests";
import { processDueErasures } from "@/lib/services/erasure";
import { adminQuery, isEmbedded } from "../helpers/db";
import { actorOf, confirmedErasure, identity, makeUser, type TestUser } from "../helpers/fixtures";
import { held } from "./hold";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-probe-${process.pid}-${Date.now()}.jsonl`;
});

let patient: TestUser;

beforeAll(async () => {
  patient = await makeUser("patient", { patient: identity() });
});

describe.skipIf(isEmbedded())("probe: two erasure runs at once", () => {
  it("erase a scheduled request once between them", async () => {
    const requestId = await submitRequest(actorOf(patient), { ...confirmedErasure, reason: "Leaving" });
    const farFuture = new Date(Date.now() + 365 * 86_400_000);
    const results = await held("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [requestId], [
      () => processDueErasures(undefined, farFuture),
      () => processDueErasures(undefined, farFuture),
    ]);
    const executed = results.map((r) => (r.status === "fulfilled" ? r.value : 0)).reduce((a, b) => a + b, 0);
    const erasedEvents = await adminQuery("SELECT 1 FROM data_request_event WHERE request_id = $1 AND note = 'Erased'", [requestId]);
    expect({ executed, erasedEvents: erasedEvents.length }).toEqual({ executed: 1, erasedEvents: 1 });
  });
});
