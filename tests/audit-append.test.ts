import { describe, expect, it } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { recordActorEvents, recordSystemEvents, withSystem } from "@/lib/db/transaction";
import { verifyChain } from "./helpers/chain";
import { adminQuery } from "./helpers/db";
import { actorOf, makeUser } from "./helpers/fixtures";
import { asRuntimeConnection, asRuntimeRole } from "./helpers/runtime-role";

async function chain() {
  return adminQuery<{ action: string }>("SELECT action FROM audit_event ORDER BY seq");
}

describe("audit append", () => {
  it("keeps a contiguous, hash-chained sequence under 40 concurrent writers", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withSystem(noRequest, async ({ audit }) => {
          audit({ action: "test.concurrent", details: { i } });
          audit({ action: "test.concurrent.second", details: { i } });
        }),
      ),
    );
    const rows = await chain();
    expect(rows.filter((r) => r.action.startsWith("test.concurrent"))).toHaveLength(80);
    expect(await verifyChain()).toEqual([]);
  });

  it("writes nothing when the audited transaction fails", async () => {
    const before = (await chain()).length;
    await expect(
      withSystem(noRequest, async ({ audit }) => {
        audit({ action: "test.rolled_back" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect((await chain()).length).toBe(before);
  });

  it("records audit-only events in one statement, in the order given, sealed and verified like any other", async () => {
    await recordSystemEvents(noRequest, ["first", "second", "third"].map((n) => ({ action: `test.record.${n}`, details: { n } })));
    const rows = (await chain()).filter((r) => r.action.startsWith("test.record."));
    expect(rows.map((r) => r.action)).toEqual(["test.record.first", "test.record.second", "test.record.third"]);
    expect(await verifyChain()).toEqual([]);
  });

  it("refuses, through audit_record, events under another identity or a forged context, and writes none of them", async () => {
    const clinician = await makeUser("clinician");
    const other = await makeUser("clinician");
    const before = (await chain()).length;
    // One genuine event and one claiming another clinician: the insert policy refuses the statement, so neither is stored.
    await expect(recordActorEvents(actorOf(clinician), [{ action: "test.own" }, { action: "test.impersonated", actorId: other.id }])).rejects.toThrow(/row-level security/);
    // Arbitrary SQL over the runtime credentials cannot hand the function a context the app did not sign.
    const forged = ["system", "", "", "", "0".repeat(64)];
    const row = JSON.stringify([{ occurred_at: new Date().toISOString(), actor_role: "system", action: "test.forged", outcome: "allowed", details: {}, writer_mac: "x" }]);
    await expect(asRuntimeConnection(null, (client) => client.query("SELECT audit_record($1::text[], $2::jsonb)", [forged, row]))).rejects.toThrow(/not signed/);
    expect((await chain()).length).toBe(before);
  });

  it("stores a patient pseudonym, never the patient id", async () => {
    const patientId = "11111111-2222-4333-8444-555555555555";
    await withSystem(noRequest, async ({ audit }) => audit({ action: "test.pseudonym", patientId }));
    const [row] = await adminQuery<{ patient_pseudonym: string; all: string }>(
      "SELECT patient_pseudonym, row_to_json(a)::text AS all FROM audit_event a WHERE action = 'test.pseudonym'",
    );
    expect(row!.patient_pseudonym).toMatch(/^psn_/);
    expect(row!.all).not.toContain(patientId);
  });
});

describe("audit immutability", () => {
  it("refuses UPDATE, DELETE, TRUNCATE and ALTER from the runtime role", async () => {
    await withSystem(noRequest, async ({ audit }) => audit({ action: "test.immutable" }));
    for (const sql of [
      "UPDATE audit_event SET action = 'forged'",
      "DELETE FROM audit_event",
      "TRUNCATE audit_event",
      "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    ]) {
      await expect(asRuntimeRole(sql, [], { role: "system" }), sql).rejects.toThrow(/permission denied|must be owner/);
    }
  });

  it("refuses UPDATE, DELETE and TRUNCATE even from the owner, by trigger", async () => {
    for (const sql of ["UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event", "TRUNCATE audit_event"]) {
      await expect(adminQuery(sql), sql).rejects.toThrow(/append-only/);
    }
    expect(await verifyChain()).toEqual([]);
  });
});
