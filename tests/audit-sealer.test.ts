import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { SEALER_LOCK_KEY, sealAll, sealPass } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { withSystem } from "@/lib/db/transaction";
import { SET_CONTEXT_SQL, setContextParams } from "@/lib/db/context";
import { adminQuery, isEmbedded, testDatabaseUrl } from "./helpers/db";
import { asRuntimeConnection, asRuntimeRole } from "./helpers/runtime-role";

vi.hoisted(() => {
  process.env.CUSTODIA_CHECKPOINT_DIR = `${process.env.TMPDIR ?? "/tmp"}/custodia-sealer-${process.pid}-${Date.now()}`;
});

const writes = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) =>
    withSystem(noRequest, async ({ audit }) => {
      audit({ action: `test.${tag}`, details: { i } });
      audit({ action: `test.${tag}.second`, details: { i } });
    }),
  );

async function chainOf(tag: string) {
  return adminQuery<{ action: string; chain_seq: string | null }>(
    "SELECT action, chain_seq::text FROM audit_event WHERE action LIKE $1 ORDER BY seq",
    [`test.${tag}%`],
  );
}

/** A system-context transaction of the runtime role, left open; killed from outside like a crashed process. */
async function openTransaction(): Promise<{ pid: number; client: pg.Client }> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("BEGIN");
  await client.query(SET_CONTEXT_SQL, setContextParams({ role: "system", userId: null, patientId: null }));
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return { pid: rows[0]!.pid, client };
}

async function crash(pid: number): Promise<void> {
  await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
}

describe("the audit sealer", () => {
  it("chains every event of 40 concurrent writers, sealing while they write, with no fork and no gap", async () => {
    const sealing = Array.from({ length: 6 }, async () => {
      for (let i = 0; i < 10; i++) await sealPass();
    });
    await Promise.all([...writes(40, "concurrent"), ...sealing]);
    await sealAll();
    const rows = await chainOf("concurrent");
    expect(rows).toHaveLength(80);
    expect(rows.every((r) => r.chain_seq !== null)).toBe(true);
    const [{ n, lo, hi } = { n: "", lo: "", hi: "" }] = await adminQuery<{ n: string; lo: string; hi: string }>(
      "SELECT count(*)::text AS n, min(chain_seq)::text AS lo, max(chain_seq)::text AS hi FROM audit_event",
    );
    expect([lo, hi]).toEqual(["1", n]);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, events: Number(n), unsealed: 0 });
  });

  it("lets one sealer work at a time: concurrent passes seal each event once", async () => {
    await Promise.all(writes(30, "race"));
    const passes = await Promise.all(Array.from({ length: 8 }, () => sealPass()));
    const sealed = passes.reduce((sum, p) => sum + (p?.sealed ?? 0), 0);
    expect(sealed + (await sealAll())).toBe(60);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, unsealed: 0 });
  });

  it("never chains the events of a rolled-back transaction", async () => {
    await expect(
      withSystem(noRequest, async ({ audit }) => {
        audit({ action: "test.aborted" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await sealAll();
    expect(await chainOf("aborted")).toEqual([]);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, unsealed: 0 });
  });

  // On the embedded database one open transaction stalls every other connection, and the database lives in
  // the server's own process: a crash mid-transaction there is the whole process dying, recovered by its WAL.
  it.skipIf(isEmbedded())("loses nothing when a writer crashes before commit: its events never exist, the others are sealed", async () => {
    const writer = await openTransaction();
    await writer.client.query(
      "INSERT INTO audit_event (occurred_at, action, outcome, details, writer_mac) VALUES (now(), 'test.crashed_writer', 'allowed', '{}', 'x')",
    );
    await Promise.all(writes(5, "survivor"));
    await crash(writer.pid);
    await sealAll();
    expect(await chainOf("crashed_writer")).toEqual([]);
    expect((await chainOf("survivor")).every((r) => r.chain_seq !== null)).toBe(true);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, unsealed: 0 });
  });

  it.skipIf(isEmbedded())("recovers from a sealer that crashes holding the lock: nothing half-sealed, the next sealer takes over", async () => {
    await Promise.all(writes(5, "after_crash"));
    const [head] = await adminQuery<{ hi: string }>("SELECT max(chain_seq)::text AS hi FROM audit_event");
    // A sealer mid-pass: the lock taken and part of the batch chained, then the process dies before COMMIT.
    const sealer = await openTransaction();
    await sealer.client.query(`SELECT pg_advisory_xact_lock(${SEALER_LOCK_KEY})`);
    const halfSealed = await sealer.client.query(
      `UPDATE audit_event SET chain_seq = $1::bigint + 1, prev_hash = 'half', hash = 'half'
       WHERE seq = (SELECT min(seq) FROM audit_event WHERE chain_seq IS NULL) RETURNING seq`,
      [head!.hi],
    );
    expect(halfSealed.rowCount).toBe(1);
    expect(await sealPass()).toBeNull();
    await crash(sealer.pid);
    expect(await sealAll()).toBe(10);
    const rows = await chainOf("after_crash");
    expect(rows.map((r) => Number(r.chain_seq)).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => Number(head!.hi) + 1 + i));
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true, unsealed: 0 });
  });
});

describe("the runtime role against the sealer's guarantees", () => {
  it("cannot write chain columns at insert, and cannot seal or re-seal outside the system context", async () => {
    await expect(
      asRuntimeRole("INSERT INTO audit_event (chain_seq, occurred_at, action, outcome, details, writer_mac, prev_hash, hash) VALUES (999999, now(), 'x', 'allowed', '{}', 'x', 'x', 'x')", [], { role: "system" }),
    ).rejects.toThrow(/permission denied/);
    await Promise.all(writes(1, "unsealed_target"));
    const [target] = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE action = 'test.unsealed_target' LIMIT 1");
    const updated = await asRuntimeRole("UPDATE audit_event SET chain_seq = 999999, prev_hash = 'x', hash = 'x' WHERE seq = $1 RETURNING seq", [target!.seq], { role: "auditor", actorId: "00000000-0000-4000-8000-000000000001" });
    expect(updated).toEqual([]);
    await sealAll();
    // Sealed once: even the system context cannot chain it again, nor change its content while sealing. (Since
    // migration 0037 the system may see a sealed row for the update that removes an old address, so the
    // trigger, not row-level security, is what refuses this one.)
    await expect(asRuntimeRole("UPDATE audit_event SET hash = 'x' WHERE seq = $1", [target!.seq], { role: "system" })).rejects.toThrow(/append-only/);
    await expect(adminQuery("UPDATE audit_event SET hash = 'x' WHERE seq = $1", [target!.seq])).rejects.toThrow(/append-only/);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true });
  });

  it("an event forged with SQL under a genuine context is sealed as a forgery and reported as inserted", async () => {
    const clinician = "00000000-0000-4000-8000-0000000000c1";
    await asRuntimeConnection({ role: "clinician", actorId: clinician }, (client) =>
      client.query(
        `INSERT INTO audit_event (occurred_at, actor_id, actor_role, action, outcome, details, writer_mac)
         VALUES (now(), $1, 'clinician', 'record.read', 'allowed', '{}', $2)`,
        [clinician, "0".repeat(64)],
      ),
    );
    await sealAll();
    const [forged] = await adminQuery<{ chain_seq: string }>("SELECT chain_seq::text FROM audit_event WHERE actor_id = $1", [clinician]);
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: false, kind: "inserted", firstBadSeq: Number(forged!.chain_seq) });
  });

  it("cannot hide a fresh event by sealing it outside the chain (position 0 or below)", async () => {
    await Promise.all(writes(1, "hide_me"));
    const [target] = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE action = 'test.hide_me' LIMIT 1");
    for (const position of [0, -1]) {
      await expect(
        asRuntimeRole("UPDATE audit_event SET chain_seq = $2, prev_hash = 'x', hash = 'x' WHERE seq = $1", [target!.seq, position], { role: "system" }),
      ).rejects.toThrow(/audit_event_chain_seq_positive/);
    }
    await sealAll();
    const rows = await chainOf("hide_me");
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.chain_seq).toMatch(/^[1-9]\d*$/);
  });

  it("keeps sealing, and reports the row as inserted, when a writer stores content no writer of ours produces", async () => {
    const patient = "00000000-0000-4000-8000-0000000000d1";
    // jsonb takes 1e400; JSON.parse turns it into Infinity, which no writer MAC can be computed over.
    await asRuntimeConnection({ role: "patient", actorId: patient, patientId: patient }, (client) =>
      client.query(
        `INSERT INTO audit_event (occurred_at, actor_id, actor_role, action, outcome, details, writer_mac)
         VALUES (now(), $1, 'patient', 'test.poison', 'allowed', '{"a": 1e400}', 'x')`,
        [patient],
      ),
    );
    await Promise.all(writes(3, "after_poison"));
    await sealAll();
    expect((await chainOf("after_poison")).every((r) => r.chain_seq !== null)).toBe(true);
    const [poison] = await adminQuery<{ chain_seq: string | null }>("SELECT chain_seq::text FROM audit_event WHERE action = 'test.poison'");
    expect(poison!.chain_seq).not.toBeNull();
    // The verifier does not stop on it either; it names the first forged row (the previous test's, before it).
    const result = await verifyAuditLog({ record: false });
    expect(result).toMatchObject({ ok: false, kind: "inserted" });
    expect(result.ok || result.firstBadSeq <= Number(poison!.chain_seq)).toBe(true);
  });
});
