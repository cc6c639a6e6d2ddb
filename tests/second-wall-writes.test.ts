import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ForeignCheckpoint, readCheckpointFile, writeCheckpointNow } from "@/lib/audit/checkpoint";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { runtimeRoleProblems, assertSeparateMigrationRole, UnsafeRuntimeRole } from "@/lib/db/runtime-role-check";
import { generateProductionKeys } from "@/lib/crypto/env-key-provider";
import { withSystem } from "@/lib/db/transaction";
import { addRecord, amendRecord } from "@/lib/services/chart";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { myRequests, submitRequest } from "@/lib/services/data-requests";
import { processDueErasures } from "@/lib/services/erasure";
import { staffNamesById } from "@/lib/services/staff-names";
import { adminQuery, isEmbedded, testDatabaseUrl, withAdminClient } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, request, type TestUser } from "./helpers/fixtures";
import { asRuntimeConnection, asRuntimeRole, type SqlContext } from "./helpers/runtime-role";
import { RUNTIME_LOGIN_ROLE } from "./setup/global";

const dir = vi.hoisted(() => {
  const path = `${process.env.TMPDIR ?? "/tmp"}/custodia-walls-${process.pid}-${Date.now()}`;
  process.env.CUSTODIA_CHECKPOINT_DIR = path;
  process.env.CUSTODIA_ERASURE_LEDGER = `${path}-ledger.jsonl`;
  return path;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-ledger.jsonl`, { force: true });
});

/**
 * The attacker holds the runtime role and a genuine signed context for one actor (an SQL injection inside
 * that actor's request). Writes must stay what the app itself writes in that actor's name.
 */
let clinician: TestUser;
let admin: TestUser;
let otherClinician: TestUser;
let mine: TestUser;
let other: TestUser;
let entryId: string;

const as = (user: TestUser): SqlContext => ({ role: user.role, actorId: user.id, patientId: user.patientId ?? undefined });
const system: SqlContext = { role: "system" };
const rlsRefusal = /row-level security/;
const note = (title: string) => ({ kind: "note" as const, date: "2026-03-01", title, text: "Seen today" });

beforeAll(async () => {
  clinician = await makeUser("clinician");
  admin = await makeUser("admin");
  otherClinician = await makeUser("clinician");
  mine = await makeUser("patient");
  other = await makeUser("patient");
  await makeCareTeam([clinician.id, otherClinician.id], [mine.patientId!, other.patientId!]);
  entryId = await addRecord(actorOf(clinician), { patientId: mine.patientId!, content: note("First") });
});

async function sealedHead(): Promise<{ seq: string; hash: string }> {
  await withSystem(request(), async ({ audit }) => audit({ action: "test.walls" }));
  await sealAll();
  const [head] = await adminQuery<{ seq: string; hash: string }>(
    "SELECT chain_seq AS seq, hash FROM audit_event WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1",
  );
  return head!;
}

const plant = "INSERT INTO audit_checkpoint (seq, hash, signed_at, signature, key_id) VALUES ($1, $2, now(), 'Zm9yZ2Vk', 'forged')";

describe("audit checkpoints (M1)", () => {
  it("a clinician's or patient's context cannot plant a checkpoint, far ahead or at a real sealed position", async () => {
    const head = await sealedHead();
    for (const who of [clinician, mine]) {
      for (const [seq, hash] of [["1000000000000", "f".repeat(64)], [head.seq, head.hash]]) {
        await expect(asRuntimeRole(plant, [seq, hash], as(who)), `${who.role} ${seq}`).rejects.toThrow(rlsRefusal);
      }
    }
    expect(await adminQuery("SELECT seq FROM audit_checkpoint WHERE key_id = 'forged'")).toEqual([]);
  });

  it("even the system context checkpoints only a sealed position with its own hash", async () => {
    const head = await sealedHead();
    for (const [seq, hash] of [["1000000000000", head.hash], [head.seq, "0".repeat(64)], [String(BigInt(head.seq) + 1n), head.hash]]) {
      await expect(asRuntimeRole(plant, [seq, hash], system), seq).rejects.toThrow(rlsRefusal);
    }
  });

  it("a stored row at the position that this app did not sign is never published, and sealing goes on", async () => {
    const head = await sealedHead();
    // As the owner (a restored or hand-edited database): a row the policies would refuse the runtime role.
    await adminQuery(plant, [head.seq, head.hash]);
    await expect(writeCheckpointNow()).rejects.toBeInstanceOf(ForeignCheckpoint);
    expect(readCheckpointFile().map((c) => c.keyId)).not.toContain("forged");
    const next = await sealedHead();
    expect(BigInt(next.seq)).toBeGreaterThan(BigInt(head.seq));
    const report = await verifyAuditLog();
    expect(report.ok).toBe(false);
    await adminQuery("DELETE FROM audit_checkpoint WHERE key_id = 'forged'").catch(() => undefined);
  });
});

describe("charts and identities (M2)", () => {
  it("a clinician's or patient's context deletes no clinical version, identity or patient", async () => {
    for (const who of [clinician, mine]) {
      await asRuntimeConnection(as(who), async (client) => {
        for (const sql of ["DELETE FROM clinical_record WHERE patient_id = $1", "DELETE FROM patient_identity WHERE patient_id = $1"]) {
          expect((await client.query(sql, [mine.patientId])).rowCount, `${who.role}: ${sql}`).toBe(0);
        }
      });
      // patient: the restrictive policy, not only the foreign keys, leaves the row where it is.
      await asRuntimeConnection(as(who), async (client) => {
        await client.query("SET CONSTRAINTS ALL DEFERRED");
        expect((await client.query("DELETE FROM patient WHERE id = $1", [mine.patientId])).rowCount, who.role).toBe(0);
      });
    }
    const [left] = await adminQuery<{ records: string; identities: string }>(
      "SELECT (SELECT count(*) FROM clinical_record WHERE patient_id = $1) AS records, (SELECT count(*) FROM patient_identity WHERE patient_id = $1) AS identities",
      [mine.patientId],
    );
    expect(left).toEqual({ records: "1", identities: "1" });
  });

  it("a clinician's context cannot swap two patients' MRN search keys (an MRN search would open the wrong chart)", async () => {
    const before = await adminQuery<{ patient_id: string; mrn_bidx: Buffer }>(
      "SELECT patient_id, mrn_bidx FROM patient_identity WHERE patient_id = ANY($1::uuid[]) ORDER BY patient_id",
      [[mine.patientId, other.patientId]],
    );
    await asRuntimeConnection(as(clinician), async (client) => {
      const swap = await client.query(
        `UPDATE patient_identity SET mrn_bidx = CASE WHEN patient_id = $1 THEN $3::bytea ELSE $4::bytea END
         WHERE patient_id IN ($1, $2)`,
        [mine.patientId, other.patientId, before[1]!.mrn_bidx, before[0]!.mrn_bidx],
      );
      expect(swap.rowCount).toBe(0);
      expect((await client.query("UPDATE patient SET created_at = now() WHERE id = $1", [mine.patientId])).rowCount).toBe(0);
    });
    expect(
      await adminQuery("SELECT patient_id, mrn_bidx FROM patient_identity WHERE patient_id = ANY($1::uuid[]) ORDER BY patient_id", [[mine.patientId, other.patientId]]),
    ).toEqual(before);
  });

  it("a clinician's context writes a version only in their own name, now, continuing the entry's own history", async () => {
    const [first] = await adminQuery<{ patient_id: string; kind: string; content_enc: string }>(
      "SELECT patient_id, kind, content_enc FROM clinical_record WHERE entry_id = $1 AND version = 1",
      [entryId],
    );
    const insert = `INSERT INTO clinical_record (id, entry_id, version, patient_id, kind, content_enc, author_id, created_at)
      VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()))`;
    const attempts: [string, unknown[]][] = [
      ["another clinician as author", [randomUUID(), 1, mine.patientId, "note", first!.content_enc, otherClinician.id, null]],
      ["a patient as author", [randomUUID(), 1, mine.patientId, "note", first!.content_enc, mine.id, null]],
      ["back-dated", [randomUUID(), 1, mine.patientId, "note", first!.content_enc, clinician.id, "2020-01-01T00:00:00Z"]],
      ["version 9 of an entry at version 1", [entryId, 9, mine.patientId, "note", first!.content_enc, clinician.id, null]],
      ["version 2 under another patient", [entryId, 2, other.patientId, "note", first!.content_enc, clinician.id, null]],
      ["version 2 of another kind", [entryId, 2, mine.patientId, "diagnosis", first!.content_enc, clinician.id, null]],
    ];
    for (const [what, params] of attempts) {
      await expect(asRuntimeRole(insert, params, as(clinician)), what).rejects.toThrow(rlsRefusal);
    }
    // What the app writes still goes through: a new entry and an amendment by another team clinician.
    await addRecord(actorOf(clinician), { patientId: mine.patientId!, content: note("Second") });
    expect(await amendRecord(actorOf(otherClinician), { patientId: mine.patientId!, entryId, content: note("First, corrected"), amendReason: "Typo in the title" })).toBe(2);
  });
});

describe("restrictions, names and patients' own appends (L1, L4, L5)", () => {
  it("patient restrictions are read by signed contexts only", async () => {
    await adminQuery("INSERT INTO patient_restriction (patient_id, reason) VALUES ($1, 'restriction') ON CONFLICT DO NOTHING", [other.patientId]);
    expect(await asRuntimeRole("SELECT patient_id FROM patient_restriction", [], null)).toEqual([]);
    expect(await asRuntimeRole("SELECT patient_id FROM patient_restriction WHERE patient_id = $1", [other.patientId], as(clinician))).toHaveLength(1);
    await adminQuery("DELETE FROM patient_restriction WHERE patient_id = $1", [other.patientId]);
  });

  it("a chart never names a patient as an author: staff names are looked up for staff accounts only", async () => {
    const names = await staffNamesById(request(), [clinician.id, mine.id]);
    expect(names.get(clinician.id)).toBe("Test clinician");
    expect(names.has(mine.id)).toBe(false);
  });

  it("a patient's context records consent only as themselves, on the web, now", async () => {
    const insert = `INSERT INTO consent_event (patient_id, purpose, decision, text_version, method, actor_id, created_at)
      VALUES ($1, 'research', 'granted', 'v1', $2, $3, coalesce($4::timestamptz, clock_timestamp()))`;
    for (const [what, params] of [
      ["another actor", [mine.patientId, "web", clinician.id, null]],
      ["another method", [mine.patientId, "paper", mine.id, null]],
      ["back-dated", [mine.patientId, "web", mine.id, "2020-01-01T00:00:00Z"]],
    ] as [string, unknown[]][]) {
      await expect(asRuntimeRole(insert, params, as(mine)), what).rejects.toThrow(rlsRefusal);
    }
    expect(await asRuntimeRole(insert, [mine.patientId, "web", mine.id, null], as(mine))).toEqual([]);
  });

  it("a patient's context files a request only now, with the legal clocks from now, and logs only the app's own notes", async () => {
    const file = `INSERT INTO data_request (id, patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at, execute_after, created_at)
      VALUES ($1, $2, 'psn', $3, $4, 'x', $5::timestamptz + $6::interval, $5::timestamptz + interval '720 hours', $7, $5)`;
    const now = new Date().toISOString();
    for (const [what, params] of [
      ["an erasure due at once", [randomUUID(), mine.patientId, "erasure", "scheduled", now, "1 month", null]],
      ["an erasure executable before it was filed", [randomUUID(), mine.patientId, "erasure", "scheduled", now, "1 month", "2020-01-01T00:00:00Z"]],
      ["back-dated", [randomUUID(), mine.patientId, "access", "pending", "2020-01-01T00:00:00Z", "1 month", null]],
      ["a far GDPR deadline", [randomUUID(), mine.patientId, "access", "pending", now, "1 year", null]],
    ] as [string, unknown[]][]) {
      await expect(asRuntimeRole(file, params, as(mine)), what).rejects.toThrow(rlsRefusal);
    }
    const requestId = await submitRequest(actorOf(mine), { kind: "objection", purpose: "research", reason: "No thanks" });
    const event = "INSERT INTO data_request_event (request_id, status, note, actor_role) VALUES ($1, $2, $3, 'patient')";
    for (const [status, text] of [["pending", "Approved by the DPO"], ["cancelled", "Cancelled by you"], ["completed", "Request received"]]) {
      await expect(asRuntimeRole(event, [requestId, status, text], as(mine)), `${status}: ${text}`).rejects.toThrow(rlsRefusal);
    }
  });
});

/**
 * An administrator decides on requests, but the decision's writes run in the system context on their behalf
 * (lib/services/request-decisions.ts), as do team patient changes (care-team-admin.ts): the admin's own context
 * files, rewrites and narrates no request, and changes a team only as the app does (migration 0045).
 */
describe("an administrator's context (requests and care teams)", () => {
  const keyOf = async (patientId: string) =>
    (await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [patientId]))[0]?.dek_wrapped;
  const refused = (e: unknown): string | Promise<never> => (rlsRefusal.test(String(e)) ? "refused" : Promise.reject(e));

  it("cannot file an erasure for a patient who asked for none (the patient's data key stays)", async () => {
    const victim = await makeUser("patient", { patient: identity() });
    const before = await keyOf(victim.patientId!);
    const filed = await asRuntimeRole(
      `INSERT INTO data_request (id, patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at, execute_after, created_at, decided_by, decided_at)
       VALUES ($1, $2, $3, 'erasure', 'scheduled', 'x', now() + interval '1 month', now() + interval '30 days', now() - interval '1 minute', now(), $4, now())`,
      [randomUUID(), victim.patientId, pseudonym(victim.patientId!), admin.id],
      as(admin),
    ).then(() => "filed", refused);
    const erased = await processDueErasures();
    expect({ filed, erased, keyKept: (await keyOf(victim.patientId!)) === before }).toEqual({ filed: "refused", erased: 0, keyKept: true });
  });

  it("cannot turn a patient's pending restriction request into an erasure due at once", async () => {
    const victim = await makeUser("patient", { patient: identity() });
    const before = await keyOf(victim.patientId!);
    const requestId = await submitRequest(actorOf(victim), { kind: "restriction", reason: "Accuracy contested" });
    const rewritten = await asRuntimeRole(
      "UPDATE data_request SET kind = 'erasure', status = 'scheduled', execute_after = now() - interval '1 minute' WHERE id = $1 RETURNING id",
      [requestId],
      as(admin),
    ).then((rows) => (rows.length ? "rewritten" : "no row"), refused);
    const erased = await processDueErasures();
    const [row] = await adminQuery<{ kind: string; status: string }>("SELECT kind, status FROM data_request WHERE id = $1", [requestId]);
    expect({ erased, keyKept: (await keyOf(victim.patientId!)) === before, row }).toEqual({ erased: 0, keyKept: true, row: { kind: "restriction", status: "pending" } });
    expect(["refused", "no row"]).toContain(rewritten);
  });

  it("cannot write a request's history in the patient's name (a 'Cancelled by you' the patient never sent), nor in its own", async () => {
    const victim = await makeUser("patient", { patient: identity() });
    const requestId = await submitRequest(actorOf(victim), { kind: "restriction", reason: "Accuracy contested" });
    const event = "INSERT INTO data_request_event (request_id, status, note, actor_role, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
    const written: string[] = [];
    for (const params of [
      [requestId, "cancelled", "Cancelled by you", "patient", "2020-01-01T00:00:00Z"],
      [requestId, "pending", "Request received", "patient", new Date().toISOString()],
      [requestId, "completed", "Approved", "admin", new Date().toISOString()],
    ]) {
      written.push(await asRuntimeRole(event, params, as(admin)).then(() => "written", refused));
    }
    const [mine] = (await myRequests(actorOf(victim))).filter((r) => r.id === requestId);
    expect({ written, history: mine!.history.map((h) => [h.status, h.by]) }).toEqual({
      written: ["refused", "refused", "refused"],
      history: [["pending", "patient"]],
    });
  });

  it("changes no team's patients, deletes only an empty team, and adds only an active clinician", async () => {
    const outsider = await makeUser("patient");
    const disabled = await makeUser("clinician");
    await adminQuery("UPDATE app_user SET disabled_at = now() WHERE id = $1", [disabled.id]);
    const teamId = await makeCareTeam([clinician.id], [mine.patientId!]);
    const emptyTeamId = await makeCareTeam([], []);
    const attempt = (sql: string, params: unknown[]) =>
      asRuntimeRole(sql, params, as(admin)).then((rows) => (rows.length ? "changed" : "no row"), refused);
    const tried = {
      assignPatient: await attempt("INSERT INTO care_team_patient (team_id, patient_id) VALUES ($1, $2) RETURNING team_id", [teamId, outsider.patientId]),
      removePatient: await attempt("DELETE FROM care_team_patient WHERE team_id = $1 RETURNING team_id", [teamId]),
      deleteTeam: await attempt("DELETE FROM care_team WHERE id = $1 RETURNING id", [teamId]),
      addSelf: await attempt("INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2) RETURNING team_id", [teamId, admin.id]),
      addPatientAccount: await attempt("INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2) RETURNING team_id", [teamId, outsider.id]),
      addDisabled: await attempt("INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2) RETURNING team_id", [teamId, disabled.id]),
      swapMember: await attempt("UPDATE care_team_member SET user_id = $2 WHERE team_id = $1 RETURNING team_id", [teamId, disabled.id]),
      // What the app itself does in an admin's context still goes through.
      addClinician: await attempt("INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2) RETURNING team_id", [teamId, otherClinician.id]),
      deleteEmptyTeam: await attempt("DELETE FROM care_team WHERE id = $1 RETURNING id", [emptyTeamId]),
    };
    const members = await adminQuery<{ user_id: string }>("SELECT user_id FROM care_team_member WHERE team_id = $1 ORDER BY user_id", [teamId]);
    const patients = await adminQuery<{ patient_id: string }>("SELECT patient_id FROM care_team_patient WHERE team_id = $1", [teamId]);
    expect({ tried, members: members.map((m) => m.user_id), patients: patients.map((p) => p.patient_id) }).toEqual({
      tried: {
        assignPatient: "refused",
        removePatient: "no row",
        deleteTeam: "no row",
        addSelf: "refused",
        addPatientAccount: "refused",
        addDisabled: "refused",
        swapMember: "no row",
        addClinician: "changed",
        deleteEmptyTeam: "changed",
      },
      members: [clinician.id, otherClinician.id].sort(),
      patients: [mine.patientId],
    });
  });
});

describe("production start-up (M5)", () => {
  it("refuses a runtime DATABASE_URL without a separate owner's MIGRATION_DATABASE_URL", () => {
    const runtime = "postgresql://custodia_runtime@db.example/custodia";
    expect(() => assertSeparateMigrationRole(runtime, undefined)).toThrow(UnsafeRuntimeRole);
    expect(() => assertSeparateMigrationRole(runtime, "postgresql://custodia_runtime:other@db.example/custodia")).toThrow(/MIGRATION_DATABASE_URL/);
    expect(() => assertSeparateMigrationRole(runtime, "postgresql://custodia_owner@db.example/custodia")).not.toThrow();
  });

  it("the portal refuses to start in production on a runtime URL with no separate owner's URL", () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env, CUSTODIA_ENV: "production", PORT: "0", PUBLIC_ORIGIN: "https://portal.example.org",
      DATABASE_ALLOW_LOCAL_PLAINTEXT: "1", DATABASE_URL: testDatabaseUrl(),
      ...Object.fromEntries(generateProductionKeys().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])),
    };
    delete env.MIGRATION_DATABASE_URL;
    const run = spawnSync(process.execPath, ["--import", "tsx", "server.ts"], { env, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toContain("MIGRATION_DATABASE_URL (the owner, for migrations) must be set");
    expect(run.stdout).not.toContain("ready on");
  });

  it("names a superuser or owner login as a role row-level security does not hold", async () => {
    const problems = await withAdminClient((client) => runtimeRoleProblems(client), testDatabaseUrl());
    expect(problems.join(" ")).toMatch(/superuser or BYPASSRLS/);
  });

  it.skipIf(isEmbedded())("accepts the confined runtime login role", async () => {
    const url = new URL(testDatabaseUrl());
    url.username = RUNTIME_LOGIN_ROLE;
    const { withConnection } = await import("@/lib/db/connection");
    expect(await withConnection(url.toString(), runtimeRoleProblems)).toEqual([]);
  });
});
