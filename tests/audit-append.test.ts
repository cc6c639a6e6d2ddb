import { describe, expect, it } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { chainHash, GENESIS_HASH, type AuditRecord } from "@/lib/audit/append";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem } from "@/lib/db/transaction";
import { adminQuery } from "./helpers/db";
import { asRuntimeRole } from "./helpers/runtime-role";

interface Row {
  seq: string;
  occurred_at: Date;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_pseudonym: string | null;
  outcome: AuditRecord["outcome"];
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: AuditRecord["details"];
  prev_hash: string;
  hash: string;
}

async function chain(): Promise<Row[]> {
  return adminQuery<Row>("SELECT * FROM audit_event ORDER BY seq");
}

function recompute(rows: Row[]): string[] {
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  rows.forEach((r, i) => {
    if (r.seq !== String(i + 1)) problems.push(`gap at ${r.seq}`);
    const record: AuditRecord = {
      seq: r.seq,
      occurredAt: r.occurred_at.toISOString(),
      actorId: r.actor_id,
      actorRole: r.actor_role,
      action: r.action,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      patientPseudonym: r.patient_pseudonym,
      outcome: r.outcome,
      ip: r.ip,
      userAgent: r.user_agent,
      requestId: r.request_id,
      details: r.details,
    };
    if (r.prev_hash !== prev || chainHash(keyProvider().secret("auditHmac"), prev, record) !== r.hash) problems.push(`bad hash at ${r.seq}`);
    prev = r.hash;
  });
  return problems;
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
    expect(recompute(rows)).toEqual([]);
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
      await expect(asRuntimeRole(sql, [], { role: "system" }), sql).rejects.toThrow();
    }
  });

  it("refuses UPDATE, DELETE and TRUNCATE even from the owner, by trigger", async () => {
    for (const sql of ["UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event", "TRUNCATE audit_event"]) {
      await expect(adminQuery(sql), sql).rejects.toThrow(/append-only/);
    }
    expect(recompute(await chain())).toEqual([]);
  });
});
