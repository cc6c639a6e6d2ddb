// Probe: the second wall holds a patient's context to filing its own requests only as received (0040), but an
// administrator's context may write data_request freely (0009 data_request_manage: FOR ALL, admin or system,
// no column or state check). Over the runtime connection, an admin context (an SQL injection in any admin
// request, or a rogue admin with the runtime credentials) files an erasure no patient asked for, due at once,
// or turns a patient's pending restriction into one; the system's erasure run then shreds that patient's
// record. In the app an erasure needs the patient's own password (and code) and waits out the grace period;
// admins decide on requests, they never file or schedule one.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { myRequests, submitRequest } from "@/lib/services/data-requests";
import { processDueErasures } from "@/lib/services/erasure";
import { adminQuery } from "../helpers/db";
import { actorOf, identity, makeUser, type TestUser } from "../helpers/fixtures";
import { asRuntimeRole, type SqlContext } from "../helpers/runtime-role";

vi.hoisted(() => {
  process.env.CUSTODIA_ERASURE_LEDGER = `${process.env.TMPDIR ?? "/tmp"}/custodia-ledger-probe-${process.pid}-${Date.now()}.jsonl`;
});

const rlsRefusal = /row-level security|permission denied/;
let admin: TestUser;
const as = (user: TestUser): SqlContext => ({ role: user.role, actorId: user.id });
const keyOf = async (patientId: string) =>
  (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [patientId]))[0]?.dek_wrapped;

beforeAll(async () => {
  admin = await makeUser("admin");
});

describe("probe: an administrator's context and the erasure queue", () => {
  it("cannot file an erasure for a patient who asked for none (the patient's data key stays)", async () => {
    const victim = await makeUser("patient", { patient: identity() });
    const before = await keyOf(victim.patientId!);
    const file = asRuntimeRole(
      `INSERT INTO data_request (id, patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at, execute_after, created_at, decided_by, decided_at)
       VALUES ($1, $2, $3, 'erasure', 'scheduled', 'x', now() + interval '1 month', now() + interval '30 days', now() - interval '1 minute', now(), $4, now())`,
      [randomUUID(), victim.patientId, pseudonym(victim.patientId!), admin.id],
      as(admin),
    );
    const filed = await file.then(() => "filed", (e: unknown) => (rlsRefusal.test(String(e)) ? "refused" : e));
    const erased = await processDueErasures();
    expect({ filed, erased, keyKept: (await keyOf(victim.patientId!)) === before }).toEqual({ filed: "refused", erased: 0, keyKept: true });
  });

  it("cannot turn a patient's pending restriction request into an erasure due at once", async () => {
    const victim = await makeUser("patient", { patient: identity() });
    const before = await keyOf(victim.patientId!);
    const requestId = await submitRequest(actorOf(victim), { kind: "restriction", reason: "Accuracy contested" });
    const rewrite = asRuntimeRole(
      "UPDATE data_request SET kind = 'erasure', status = 'scheduled', execute_after = now() - interval '1 minute' WHERE id = $1 RETURNING id",
      [requestId],
      as(admin),
    );
    const rewritten = await rewrite.then((rows) => (rows.length ? "rewritten" : "no row"), (e: unknown) => (rlsRefusal.test(String(e)) ? "refused" : e));
    const erased = await processDueErasures();
    expect({ rewritten, erased, keyKept: (await keyOf(victim.patientId!)) === before }).toMatchObject({ erased: 0, keyKept: true });
    expect(["refused", "no row"]).toContain(rewritten);
  });

  it("cannot write a request's history in the patient's name (a 'Cancelled by you' the patient never sent)", async () => {
    const victim = await makeUser("patient", { patient: identity() });
    const requestId = await submitRequest(actorOf(victim), { kind: "restriction", reason: "Accuracy contested" });
    const forge = asRuntimeRole(
      "INSERT INTO data_request_event (request_id, status, note, actor_role, created_at) VALUES ($1, 'cancelled', 'Cancelled by you', 'patient', '2020-01-01T00:00:00Z') RETURNING id",
      [requestId],
      as(admin),
    );
    const forged = await forge.then(() => "written", (e: unknown) => (rlsRefusal.test(String(e)) ? "refused" : e));
    const [mine] = (await myRequests(actorOf(victim))).filter((r) => r.id === requestId);
    expect({ forged, history: mine!.history.map((h) => [h.status, h.by]) }).toEqual({ forged: "refused", history: [["pending", "patient"]] });
  });
});
