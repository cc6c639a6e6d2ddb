import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writerMac, type EventContent } from "@/lib/audit/hashes";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { keyProvider } from "@/lib/crypto/keys";
import { withSystem } from "@/lib/db/transaction";
import { renderAuditExport } from "@/lib/export/audit-events";
import { auditEventBySeq, exportAuditEvents } from "@/lib/services/audit-log";
import { applyRetention, retentionDryRun, setRetentionPeriod } from "@/lib/services/retention";
import { adminQuery, withAdminClient } from "./helpers/db";
import { actorOf, makeStaff, request, type TestUser } from "./helpers/fixtures";
import { asRuntimeRole } from "./helpers/runtime-role";

// Issue 11 item 7: addresses and user agents leave the audit log after their period; the chain stays verifiable.

const DAY = 86_400_000;
let admin: TestUser;
let auditor: TestUser;
/** Event ids (seq) by what they are. */
const ids: Record<string, string> = {};

interface Stored {
  seq: string;
  chain_seq: string;
  ip: string | null;
  user_agent: string | null;
  ip_digest: string | null;
}

async function eventOf(seq: string): Promise<Stored> {
  const [row] = await adminQuery<Stored>("SELECT seq::text, chain_seq::text, ip, user_agent, ip_digest FROM audit_event WHERE seq = $1", [seq]);
  return row!;
}

/** Writes one event through the service layer at a moment `daysAgo` in the past (the writer stamps its own time). */
async function writeEventAt(daysAgo: number, action: string, ip: string): Promise<string> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(Date.now() - daysAgo * DAY));
  try {
    await withSystem(request(ip), async ({ audit }) => audit({ action }));
  } finally {
    vi.useRealTimers();
  }
  const [row] = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE action = $1", [action]);
  return row!.seq;
}

/** A row as the writers before migration 0037 made it (format v2: the raw address under the MAC), 40 days old. */
async function writeV2Event(action: string): Promise<string> {
  const content: EventContent = {
    occurredAt: new Date(Date.now() - 40 * DAY).toISOString(), actorId: null, actorRole: "system", action, resourceType: null,
    resourceId: null, patientPseudonym: null, outcome: "allowed", ip: "198.51.100.2", userAgent: "old-browser", requestId: null,
    details: {}, netSalt: null, ipDigest: null, userAgentDigest: null,
  };
  await asRuntimeRole(
    `INSERT INTO audit_event (occurred_at, actor_role, action, outcome, ip, user_agent, details, writer_mac)
     VALUES ($1::timestamptz, 'system', $2, 'allowed', $3, $4, '{}', $5)`,
    [content.occurredAt, action, content.ip, content.userAgent, writerMac(keyProvider().secret("auditHmac"), content)],
    { role: "system" },
  );
  const [row] = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE action = $1", [action]);
  return row!.seq;
}

/** The superuser with the immutability trigger off: the insider the chain must still expose. */
async function asSuperuser(sql: string, params: unknown[]): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query("BEGIN");
    await client.query("ALTER TABLE audit_event DISABLE TRIGGER USER");
    await client.query(sql, params);
    await client.query("ALTER TABLE audit_event ENABLE TRIGGER USER");
    await client.query("COMMIT");
  });
}

beforeAll(async () => {
  ({ admin, auditor } = await makeStaff());
  ids.v2 = await writeV2Event("test.legacy_old");
  ids.old = await writeEventAt(40, "test.redact_old", "192.0.2.10");
  ids.old2 = await writeEventAt(35, "test.redact_older", "192.0.2.11");
  ids.recent = await writeEventAt(2, "test.redact_recent", "192.0.2.12");
  await sealAll();
  await setRetentionPeriod(actorOf(admin), { category: "audit_addresses", days: "30" });
});

afterAll(() => vi.useRealTimers());

describe("address retention in the audit log", () => {
  it("new events carry a salted keyed digest of their address and user agent beside the raw values", async () => {
    const [a, b] = await adminQuery<{ net_salt: string; ip_digest: string; user_agent_digest: string; ip: string }>(
      "SELECT net_salt, ip_digest, user_agent_digest, ip FROM audit_event WHERE seq IN ($1, $2) ORDER BY seq", [ids.old, ids.old2],
    );
    expect(a!.ip).toBe("192.0.2.10");
    expect(a!.ip_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(a!.ip_digest).not.toContain("192.0.2.10");
    expect(a!.net_salt).not.toBe(b!.net_salt);
  });

  it("the daily job removes addresses older than the period, reports them in the dry run first, and the chain still verifies", async () => {
    const due = await retentionDryRun(request());
    expect(due.audit_addresses).toBe(2);
    const { removed } = await applyRetention(request());
    expect(removed.audit_addresses).toBe(2);
    for (const key of ["old", "old2"]) {
      const row = await eventOf(ids[key]!);
      expect(row).toMatchObject({ ip: null, user_agent: null });
      expect(row.ip_digest).toMatch(/^[0-9a-f]{64}$/);
    }
    // Younger than the period, and a pre-0037 row (its raw values are under its MAC): both keep their addresses.
    expect(await eventOf(ids.recent!)).toMatchObject({ ip: "192.0.2.12", user_agent: "vitest" });
    expect(await eventOf(ids.v2!)).toMatchObject({ ip: "198.51.100.2", user_agent: "old-browser" });
    const [event] = await adminQuery("SELECT actor_role, details FROM audit_event WHERE action = 'retention.apply' AND resource_id = 'audit_addresses'");
    expect(event).toEqual({ actor_role: "system", details: { days: 30, removed: 2 } });
    await sealAll();
    const result = await verifyAuditLog({ record: false });
    expect(result).toMatchObject({ ok: true });
    expect((await retentionDryRun(request())).audit_addresses).toBe(0);
  });

  it("an auditor sees that the address was removed after the period, on the event and in the CSV export", async () => {
    const event = await auditEventBySeq(actorOf(auditor), ids.old!);
    expect(event).toMatchObject({ ip: null, userAgent: null, addressRemovedAfterDays: 30 });
    const kept = await auditEventBySeq(actorOf(auditor), ids.recent!);
    expect(kept).toMatchObject({ ip: "192.0.2.12", addressRemovedAfterDays: null });
    const events = exportAuditEvents(actorOf(auditor), { action: "test.redact_old" }, "csv");
    let csv = "";
    for await (const chunk of renderAuditExport(await events.next(), events, "csv")) csv += chunk;
    const [header, line] = csv.trim().split("\n");
    const columns = header!.split(",");
    expect(line!.split(",")[columns.indexOf("addressRemovedAfterDays")]).toBe("30");
  });

  it("the database refuses every other change: a younger row, another value, one column, other columns, an old-format row, another context, a delete", async () => {
    const system = { role: "system" };
    await expect(asRuntimeRole("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE seq = $1", [ids.recent], system))
      .rejects.toThrow(/only after its retention period/);
    await asSuperuser("UPDATE audit_event SET ip = '192.0.2.10', user_agent = 'vitest' WHERE seq = $1", [ids.old]);
    try {
      await expect(asRuntimeRole("UPDATE audit_event SET ip = '10.0.0.1', user_agent = NULL WHERE seq = $1", [ids.old], system)).rejects.toThrow(/append-only/);
      await expect(asRuntimeRole("UPDATE audit_event SET ip = NULL WHERE seq = $1", [ids.old], system)).rejects.toThrow(/append-only/);
      await expect(asRuntimeRole("UPDATE audit_event SET ip = NULL, user_agent = NULL, ip_digest = NULL WHERE seq = $1", [ids.old], system))
        .rejects.toThrow(/permission denied/);
      await expect(asRuntimeRole("UPDATE audit_event SET ip = NULL, user_agent = NULL, action = 'x' WHERE seq = $1", [ids.old], system))
        .rejects.toThrow(/permission denied/);
      // Row-level security hides the row from the update: nothing changes.
      for (const context of [{ role: "admin", actorId: admin.id }, { role: "auditor", actorId: auditor.id }, null]) {
        await asRuntimeRole("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE seq = $1", [ids.old], context).catch(() => undefined);
      }
      expect(await eventOf(ids.old!)).toMatchObject({ ip: "192.0.2.10" });
    } finally {
      await asSuperuser("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE seq = $1", [ids.old]);
    }
    await asRuntimeRole("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE seq = $1", [ids.v2], system);
    expect(await eventOf(ids.v2!)).toMatchObject({ ip: "198.51.100.2" });
    await expect(asRuntimeRole("DELETE FROM audit_event WHERE seq = $1", [ids.old], system)).rejects.toThrow(/permission denied|append-only/);
    await expect(withAdminClient((c) => c.query("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE seq = $1", [ids.recent])))
      .rejects.toThrow(/only after its retention period|append-only/);
    expect(await eventOf(ids.recent!)).toMatchObject({ ip: "192.0.2.12" });
  });

  it("the period cannot be set below its floor, in the form or in the database", async () => {
    await expect(setRetentionPeriod(actorOf(admin), { category: "audit_addresses", days: "3" })).rejects.toThrow(/between 7 and 36500/);
    await expect(adminQuery("UPDATE retention_policy SET days = 3 WHERE category = 'audit_addresses'")).rejects.toThrow(/retention_policy_address_floor/);
  });

  it("tampering with a redacted event is still detected: a changed digest, or an address put back that is not the one written", async () => {
    const { chain_seq } = await eventOf(ids.old!);
    const [saved] = await adminQuery<{ ip_digest: string }>("SELECT ip_digest FROM audit_event WHERE seq = $1", [ids.old]);
    const tampers: [string, unknown[]][] = [
      ["UPDATE audit_event SET ip_digest = md5(ip_digest) || md5(ip_digest) WHERE seq = $1", [ids.old]],
      ["UPDATE audit_event SET ip = '192.0.2.99', user_agent = 'vitest' WHERE seq = $1", [ids.old]],
      ["UPDATE audit_event SET ip = '192.0.2.55' WHERE seq = $1", [ids.recent]],
    ];
    for (const [sql, params] of tampers) {
      await asSuperuser(sql, params);
      try {
        const result = await verifyAuditLog({ record: false });
        expect(result.ok).toBe(false);
        if (!result.ok) {
          const seq = Number(params[0] === ids.recent ? (await eventOf(ids.recent!)).chain_seq : chain_seq);
          expect(result.problems.map((p) => p.seq)).toContain(seq);
        }
      } finally {
        await asSuperuser(
          "UPDATE audit_event SET ip_digest = $2, ip = CASE WHEN seq = $3 THEN '192.0.2.12' END, user_agent = CASE WHEN seq = $3 THEN 'vitest' END WHERE seq = $1",
          [params[0], params[0] === ids.old ? saved!.ip_digest : (await adminQuery<{ d: string }>("SELECT ip_digest AS d FROM audit_event WHERE seq = $1", [ids.recent]))[0]!.d, ids.recent],
        );
      }
    }
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true });
  });
});
