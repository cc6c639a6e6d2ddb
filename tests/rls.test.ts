import { beforeAll, describe, expect, it } from "vitest";
import { purposeTexts } from "@/lib/consent/purposes";
import { withActor } from "@/lib/db/transaction";
import { grantConsent } from "@/lib/services/consent";
import { adminQuery } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";
import { asRuntimeRole } from "./helpers/runtime-role";

let alice: TestUser;
let bob: TestUser;
let clinician: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  alice = await makeUser("patient");
  bob = await makeUser("patient");
  clinician = await makeUser("clinician");
  outsider = await makeUser("clinician");
  await makeCareTeam([clinician.id], [alice.patientId!]);
  for (const patient of [alice, bob]) await grantConsent(actorOf(patient), { purpose: "research", textVersion: purposeTexts.research.version });
});

const patientTables = ["patient", "patient_identity", "clinical_record", "patient_key", "consent_event"];

describe("the runtime role", () => {
  it("is neither superuser, owner, nor able to bypass row-level security", async () => {
    const [role] = await adminQuery<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
      "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'custodia_app'",
    );
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    const owned = await adminQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'custodia_app'");
    expect(owned).toEqual([]);
  });

  it("sees no personal rows at all when no actor context is set", async () => {
    expect(Number((await adminQuery<{ n: string }>("SELECT count(*) AS n FROM patient"))[0]!.n)).toBeGreaterThanOrEqual(2);
    for (const table of [...patientTables, "app_user", "auth_session", "login_throttle", "recovery_code"]) {
      expect(await asRuntimeRole(`SELECT * FROM ${table}`), table).toEqual([]);
    }
  });

  it("lets a patient context see only that patient", async () => {
    const rows = await asRuntimeRole<{ id: string }>("SELECT id::text FROM patient", [], { role: "patient", actorId: alice.id, patientId: alice.patientId! });
    expect(rows.map((r) => r.id)).toEqual([alice.patientId]);
  });

  it("a patient context reads only its own data key", async () => {
    const all = await adminQuery<{ patient_id: string }>("SELECT patient_id::text FROM patient_key WHERE patient_id = ANY($1::uuid[])", [[alice.patientId, bob.patientId]]);
    expect(all).toHaveLength(2);
    const asAlice = { role: "patient", actorId: alice.id, patientId: alice.patientId! };
    expect(await asRuntimeRole<{ patient_id: string }>("SELECT patient_id::text FROM patient_key", [], asAlice)).toEqual([{ patient_id: alice.patientId }]);
    expect(await asRuntimeRole<{ patient_id: string }>("SELECT DISTINCT patient_id::text FROM consent_event", [], asAlice)).toEqual([{ patient_id: alice.patientId }]);
  });

  it("lets a clinician context see the care team's patients and nobody else", async () => {
    const mine = await asRuntimeRole<{ id: string }>("SELECT id::text FROM patient", [], { role: "clinician", actorId: clinician.id });
    expect(mine.map((r) => r.id)).toEqual([alice.patientId]);
    const theirs = await asRuntimeRole("SELECT id FROM patient", [], { role: "clinician", actorId: outsider.id });
    expect(theirs).toEqual([]);
  });

  it("gives auditors and admins no clinical rows", async () => {
    for (const role of ["auditor", "admin"]) {
      for (const table of patientTables) {
        expect(await asRuntimeRole(`SELECT * FROM ${table}`, [], { role, actorId: clinician.id }), `${role} ${table}`).toEqual([]);
      }
    }
  });

  it("cannot update another patient's rows from a patient context", async () => {
    const updated = await asRuntimeRole("UPDATE patient_key SET kek_version = kek_version WHERE patient_id = $1 RETURNING patient_id", [bob.patientId], {
      role: "patient",
      actorId: alice.id,
      patientId: alice.patientId!,
    });
    expect(updated).toEqual([]);
  });
});

describe("withActor", () => {
  it("runs the service layer under the same policies", async () => {
    const seen = await withActor(actorOf(alice), ({ tx }) => tx.patient.findMany({ select: { id: true } }));
    expect(seen.map((p) => p.id)).toEqual([alice.patientId]);
    const none = await withActor(actorOf(outsider), ({ tx }) => tx.patientIdentity.findMany());
    expect(none).toEqual([]);
  });

  it("never leaks one actor's context into the next transaction on a pooled connection", async () => {
    // 2,000 transactions, 200 in flight at a time on a pool of 10, alternating actors (and a clinician
    // whose view is a third, different set).
    const actors = [alice, bob, clinician];
    const expected = new Map([[alice.id, [alice.patientId]], [bob.id, [bob.patientId]], [clinician.id, [alice.patientId]]]);
    for (let batch = 0; batch < 10; batch++) {
      const runs = Array.from({ length: 200 }, (_, i) => actors[(batch + i) % 3]!);
      const results = await Promise.all(
        runs.map((user) => withActor(actorOf(user), async ({ tx }) => (await tx.patient.findMany({ select: { id: true } })).map((p) => p.id))),
      );
      results.forEach((ids, i) => expect(ids).toEqual(expected.get(runs[i]!.id)));
    }
    expect(await asRuntimeRole("SELECT * FROM patient")).toEqual([]);
  });
});
