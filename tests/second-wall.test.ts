import { randomUUID } from "node:crypto";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { revokeSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { CONTEXT_VALIDITY_SECONDS, SET_CONTEXT_SQL, setContextParams } from "@/lib/db/context";
import { adminQuery, isEmbedded } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";
import { asRuntimeConnection, asRuntimeLogin, asRuntimeRole, type SqlContext } from "./helpers/runtime-role";
import { getChart } from "@/lib/services/chart";
import { submitRequest } from "@/lib/services/data-requests";

/**
 * The attacker here holds the app's runtime database credentials (or an SQL injection inside a request) and
 * runs arbitrary SQL. The second wall must keep them to what the actor whose context they hold may see and
 * do: no claiming `system` or another user, no writing grants, memberships, sessions or other people's audit.
 */
let clinician: TestUser;
let otherClinician: TestUser;
let mine: TestUser;
let theirs: TestUser;
let otherTeam: string;

const as = (user: TestUser): SqlContext => ({ role: user.role, actorId: user.id, patientId: user.patientId ?? undefined });
const notSigned = /not signed by this application/;
const rlsRefusal = /row-level security|permission denied/;

async function count(client: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) q`, params)).rows[0]!.n);
}

beforeAll(async () => {
  clinician = await makeUser("clinician");
  otherClinician = await makeUser("clinician");
  mine = await makeUser("patient");
  theirs = await makeUser("patient");
  await makeCareTeam([clinician.id], [mine.patientId!]);
  otherTeam = await makeCareTeam([otherClinician.id], [theirs.patientId!]);
  // Something for a hijacked context to want: sessions, audit events of others.
  expect(await passwordSignIn({ email: theirs.email, password: PASSWORD, portal: "patient" }, request())).toMatchObject({ ok: true });
});

describe("claiming another identity", () => {
  it("a clinician's transaction that sets its role to system is refused, not widened", async () => {
    for (const sql of ["SELECT * FROM patient_identity", "SELECT password_hash FROM app_user", "SELECT dek_wrapped FROM patient_key"]) {
      const read = asRuntimeConnection(as(clinician), async (client) => {
        await client.query("SELECT set_config('app.actor_role', 'system', true)");
        return client.query(sql);
      });
      await expect(read, sql).rejects.toThrow(notSigned);
    }
  });

  it("a context with its signature removed is no context: no rows anywhere", async () => {
    const tables = ["patient", "patient_identity", "clinical_record", "app_user", "auth_session", "recovery_code", "audit_event",
      "break_glass_grant", "care_team", "care_team_member", "care_team_patient", "consent_event", "alert", "data_request"];
    await asRuntimeConnection(null, async (client) => {
      await client.query("SELECT set_config('app.actor_role', 'system', true), set_config('app.context_mac', '', true)");
      for (const table of tables) expect(await count(client, `SELECT * FROM ${table}`), table).toBe(0);
    });
  });

  it("a made-up signature, another user's id under one's own signature, or a replayed one are all refused", async () => {
    const macOf = (role: string, userId: string | null) => setContextParams({ role, userId, patientId: null })[4]!;
    const attempts: [string, unknown[]][] = [
      ["SELECT set_config('app.actor_role', 'system', true), set_config('app.context_mac', $1, true)", ["0".repeat(64)]],
      ["SELECT set_config('app.actor_id', $1, true)", [otherClinician.id]],
      ["SELECT set_config('app.patient_id', $1, true)", [theirs.patientId]],
      // The signature of one actor's context does not carry over to another's values.
      ["SELECT set_config('app.actor_id', $1, true), set_config('app.context_mac', $2, true)",
        [otherClinician.id, macOf("clinician", clinician.id)]],
    ];
    for (const [sql, params] of attempts) {
      const seen = asRuntimeConnection(as(clinician), async (client) => {
        await client.query(sql, params);
        return count(client, "SELECT * FROM patient WHERE id = $1", [theirs.patientId]);
      });
      await expect(seen, sql).rejects.toThrow(notSigned);
    }
  });

  it("a signature not of the signed form is refused as unsigned, whatever its shape (migration 0044's format check)", async () => {
    const [expires, mac] = setContextParams({ role: "clinician", userId: clinician.id, patientId: null })[4]!.split(".") as [string, string];
    const malformed = [
      `${expires}.${mac.slice(1)}`, `${expires}.${mac}0`, `${expires}.${mac.toUpperCase()}`, `${expires}.${mac}.${mac}`,
      `${expires}${mac}`, `.${mac}`, `${expires}.`, `1${expires.padStart(12, "0")}.${mac}`, `+${expires}.${mac}`,
      ` ${expires}.${mac}`, `${expires}.${mac}\n`, `${expires.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)))}.${mac}`,
      `${expires}.${mac.slice(0, 63)}g`, `${expires},${mac}`,
    ];
    for (const given of malformed) {
      const seen = asRuntimeConnection(null, async (client) => {
        await client.query(SET_CONTEXT_SQL, ["clinician", clinician.id, "", "", given]);
        return count(client, "SELECT * FROM patient WHERE id = $1", [mine.patientId]);
      });
      await expect(seen, JSON.stringify(given)).rejects.toThrow(notSigned);
    }
  });

  it("a genuine context signed earlier is refused once it has expired, and its expiry cannot be moved", async () => {
    const signedEarlier = setContextParams({ role: "clinician", userId: clinician.id, patientId: null }, { nowSeconds: Math.floor(Date.now() / 1000) - CONTEXT_VALIDITY_SECONDS - 5 });
    const replay = asRuntimeConnection(null, async (client) => {
      await client.query(SET_CONTEXT_SQL, signedEarlier);
      return count(client, "SELECT * FROM patient WHERE id = $1", [mine.patientId]);
    });
    await expect(replay).rejects.toThrow(/actor context has expired/);
    // The same MAC with a later expiry written in front of it: the MAC covers the expiry.
    const [expires, mac] = signedEarlier[4]!.split(".");
    const moved = [...signedEarlier.slice(0, 4), `${Number(expires) + 3600}.${mac}`];
    const extended = asRuntimeConnection(null, async (client) => {
      await client.query(SET_CONTEXT_SQL, moved);
      return count(client, "SELECT * FROM patient WHERE id = $1", [mine.patientId]);
    });
    await expect(extended).rejects.toThrow(notSigned);
  });

  it("a context is signed for at most a minute past its transaction", () => {
    const context = { role: "clinician", userId: randomUUID(), patientId: null };
    expect(setContextParams(context, { nowSeconds: 1000 })[4]).toMatch(/^1060\./);
    expect(setContextParams(context, { nowSeconds: 1000, transactionMs: 30000 })[4]).toMatch(/^1090\./);
  });

  it("a transaction held open does not keep accepting a context past its expiry", async () => {
    // Signed so that it expires a second from now; the transaction began before that.
    const expiring = setContextParams({ role: "clinician", userId: clinician.id, patientId: null }, { nowSeconds: Math.floor(Date.now() / 1000) - CONTEXT_VALIDITY_SECONDS + 1 });
    const heldOpen = asRuntimeConnection(null, async (client) => {
      await client.query("SELECT pg_sleep(2.5)");
      await client.query(SET_CONTEXT_SQL, expiring);
      return count(client, "SELECT * FROM patient WHERE id = $1", [mine.patientId]);
    });
    await expect(heldOpen).rejects.toThrow(/actor context has expired/);
  });

  it.skipIf(isEmbedded())("another session of the same login never sees a context's signature in pg_stat_activity", async () => {
    const { withActorPg } = await import("@/lib/db/pg-transaction");
    const { withActor } = await import("@/lib/db/transaction");
    const seenQueries: string[] = [];
    // Watched while each of the app's transaction paths sits just after setting its context.
    const watch = async () => {
      const rows = await asRuntimeLogin<{ query: string }>(
        "SELECT query FROM pg_stat_activity WHERE usename = session_user AND datname = current_database() AND pid <> pg_backend_pid()",
      );
      seenQueries.push(...rows.map((r) => r.query));
    };
    await withActorPg(actorOf(clinician), watch);
    await withActor(actorOf(clinician), watch);
    expect(seenQueries.some((q) => q.includes("app.context_mac")), "the context statement was visible").toBe(true);
    for (const query of seenQueries) expect(query).not.toMatch(/[0-9a-f]{64}/);
  });

  it("changing the context in the middle of a query is refused or changes nothing that query may see", async () => {
    const ids = await asRuntimeConnection(as(clinician), async (client) => {
      const { rows } = await client.query<{ id: string }>(
        "SELECT p.id::text FROM patient p, LATERAL (SELECT set_config('app.actor_id', $1, true)) s ORDER BY 1",
        [otherClinician.id],
      );
      return rows.map((r) => r.id);
    }).catch((error: unknown) => String(error));
    // Which comes first, the context check or the set_config, is the planner's choice: both outcomes hold.
    if (typeof ids === "string") expect(ids).toMatch(notSigned);
    else expect(ids).toEqual([mine.patientId]);
  });

  it("the context key itself is out of the runtime role's reach", async () => {
    for (const sql of ["SELECT * FROM app_context_key", "UPDATE app_context_key SET key_id = 'x'", "DELETE FROM app_context_key"]) {
      await expect(asRuntimeRole(sql, [], as(clinician)), sql).rejects.toThrow(/permission denied/);
    }
  });

  it.skipIf(isEmbedded())("dropping back from custodia_app to the login role gains nothing", async () => {
    await asRuntimeConnection(null, async (client) => {
      await client.query("RESET ROLE");
      expect(await count(client, "SELECT * FROM patient")).toBe(0);
      await expect(client.query("SELECT * FROM app_context_key")).rejects.toThrow(/permission denied/);
    });
  });
});

describe("writing what only checked paths may write", () => {
  it("a clinician cannot join another clinic's care team, create a team, or move a patient into theirs", async () => {
    const writes: [string, unknown[]][] = [
      ["INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2)", [otherTeam, clinician.id]],
      ["INSERT INTO care_team (name) VALUES ($1)", [`Rogue ${randomUUID()}`]],
      ["INSERT INTO care_team_patient (team_id, patient_id) SELECT team_id, $1 FROM care_team_member LIMIT 1", [theirs.patientId]],
    ];
    for (const [sql, params] of writes) await expect(asRuntimeRole(sql, params, as(clinician)), sql).rejects.toThrow(rlsRefusal);
    const removed = await asRuntimeRole("DELETE FROM care_team_member WHERE team_id = $1 RETURNING 1", [otherTeam], as(clinician));
    expect(removed).toEqual([]);
    await expect(getChart(actorOf(clinician), theirs.patientId!)).rejects.toThrow(/not found/);
  });

  it("no context but the system's may create a break-glass grant, and never one lasting more than 8 hours", async () => {
    const grant = "INSERT INTO break_glass_grant (clinician_id, patient_id, reason_enc, expires_at) VALUES ($1, $2, 'x', now() + $3::interval)";
    await expect(asRuntimeRole(grant, [clinician.id, theirs.patientId, "1 hour"], as(clinician))).rejects.toThrow(rlsRefusal);
    await expect(asRuntimeRole(grant, [clinician.id, theirs.patientId, "2 years"], { role: "system" })).rejects.toThrow(rlsRefusal);
    expect(await adminQuery("SELECT 1 FROM break_glass_grant WHERE clinician_id = $1", [clinician.id])).toEqual([]);
  });

  it("a user cannot revive a revoked session, mark one as past MFA, or mint one", async () => {
    const signedIn = await passwordSignIn({ email: mine.email, password: PASSWORD, portal: "patient" }, request());
    if (!signedIn.ok) throw new Error("sign-in failed");
    await revokeSession(signedIn.sessionId, "sign-out", request());
    const revived = await asRuntimeRole(
      "UPDATE auth_session SET revoked_at = NULL, mfa_verified_at = now(), expires_at = now() + interval '10 years' WHERE user_id = $1 RETURNING id",
      [mine.id],
      as(mine),
    );
    expect(revived).toEqual([]);
    await expect(
      asRuntimeRole("INSERT INTO auth_session (user_id, user_version, expires_at, mfa_verified_at) VALUES ($1, 1, now() + interval '1 day', now())", [mine.id], as(mine)),
    ).rejects.toThrow(rlsRefusal);
    const [row] = await adminQuery<{ revoked: boolean }>("SELECT revoked_at IS NOT NULL AS revoked FROM auth_session WHERE id = $1", [signedIn.sessionId]);
    expect(row!.revoked).toBe(true);
  });

  it("a patient cannot decide their own request or file one as already approved; an auditor cannot rewrite an alert", async () => {
    const requestId = await submitRequest(actorOf(mine), { kind: "objection", purpose: "research", reason: "No thanks" });
    await expect(
      asRuntimeRole("UPDATE data_request SET status = 'approved', decided_at = now() WHERE id = $1", [requestId], as(mine)),
    ).rejects.toThrow(rlsRefusal);
    await expect(
      asRuntimeRole(
        `INSERT INTO data_request (patient_id, patient_pseudonym, kind, status, details_enc, gdpr_due_at, hipaa_due_at)
         VALUES ($1, 'psn', 'restriction', 'approved', 'x', now(), now())`,
        [mine.patientId],
        as(mine),
      ),
    ).rejects.toThrow(rlsRefusal);
    const [row] = await adminQuery<{ status: string }>("SELECT status FROM data_request WHERE id = $1", [requestId]);
    expect(row!.status).toBe("pending");
    const auditor = await makeUser("auditor");
    await expect(asRuntimeRole("UPDATE alert SET details = '{}'", [], as(auditor))).rejects.toThrow(/permission denied/);
  });

  it("outside the system, an alert is only the actor's own request-path kind, unacknowledged", async () => {
    const insert = "INSERT INTO alert (kind, severity, actor_id, acknowledged_at, details) VALUES ($1, $2, $3::uuid, $4, '{}')";
    const me = as(clinician);
    for (const [kind, actorId, acknowledgedAt] of [
      ["schema_change", clinician.id, null],
      ["processor_expiry", clinician.id, null],
      ["bulk_access", otherClinician.id, null],
      ["bulk_access", clinician.id, new Date()],
    ] as const) {
      await expect(asRuntimeRole(insert, [kind, "critical", actorId, acknowledgedAt], me), kind).rejects.toThrow(/row-level security/);
    }
    await asRuntimeRole(insert, ["bulk_access", "high", clinician.id, null], me);
  });

  it("a clinician cannot erase their own accesses to slip under the bulk-access guard", async () => {
    await getChart(actorOf(clinician), mine.patientId!);
    const erased = await asRuntimeRole("DELETE FROM record_access WHERE actor_id = $1 RETURNING 1", [clinician.id], as(clinician));
    expect(erased).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM record_access WHERE actor_id = $1", [clinician.id])).not.toEqual([]);
  });

  it("neither a patient nor their clinician can delete or replace a data key (which would make the record unreadable, unaudited)", async () => {
    const [before] = await adminQuery<{ dek_wrapped: string }>("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [mine.patientId]);
    for (const who of [as(mine), as(clinician)]) {
      await expect(asRuntimeRole("DELETE FROM patient_key WHERE patient_id = $1", [mine.patientId], who)).rejects.toThrow(/permission denied/);
      expect(await asRuntimeRole("UPDATE patient_key SET dek_wrapped = 'v1.forged' WHERE patient_id = $1 RETURNING 1", [mine.patientId], who)).toEqual([]);
    }
    expect(await adminQuery("SELECT dek_wrapped FROM patient_key WHERE patient_id = $1", [mine.patientId])).toEqual([before]);
  });
});

describe("the audit log", () => {
  it("is neither readable nor writable without a context", async () => {
    expect(Number((await adminQuery<{ n: string }>("SELECT count(*) AS n FROM audit_event"))[0]!.n)).toBeGreaterThan(0);
    expect(await asRuntimeRole("SELECT ip, user_agent FROM audit_event")).toEqual([]);
    await expect(
      asRuntimeRole("INSERT INTO audit_event (seq, occurred_at, action, outcome, details, prev_hash, hash) VALUES (999999, now(), 'x', 'allowed', '{}', 'x', 'x')"),
    ).rejects.toThrow(rlsRefusal);
  });

  it("shows a clinician their own events only, and takes appends only under their own identity", async () => {
    const actors = await asRuntimeRole<{ actor_id: string | null }>("SELECT DISTINCT actor_id::text FROM audit_event", [], as(clinician));
    expect(actors.map((a) => a.actor_id)).toEqual([clinician.id]);
    await expect(
      asRuntimeRole(
        "INSERT INTO audit_event (seq, occurred_at, actor_id, actor_role, action, outcome, details, prev_hash, hash) VALUES (999999, now(), $1, 'clinician', 'x', 'allowed', '{}', 'x', 'x')",
        [otherClinician.id],
        as(clinician),
      ),
    ).rejects.toThrow(rlsRefusal);
  });
});

describe("the catalog", () => {
  const allowedWithoutRls = ["_prisma_migrations", "app_context_key"];

  it("has row-level security enabled and forced on every table the runtime role can touch", async () => {
    const tables = await adminQuery<{ relname: string; rls: boolean; forced: boolean; granted: boolean }>(
      `SELECT c.relname, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
         has_table_privilege('custodia_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') AS granted
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')`,
    );
    expect(tables.length).toBeGreaterThan(20);
    for (const t of tables) {
      if (allowedWithoutRls.includes(t.relname)) expect(t.granted, `${t.relname} must have no grant`).toBe(false);
      else expect({ table: t.relname, rls: t.rls, forced: t.forced }).toEqual({ table: t.relname, rls: true, forced: true });
    }
  });

  it("gives the runtime role no way to create objects or to bypass policies, and pins every privileged function", async () => {
    const [role] = await adminQuery<{ create: boolean; bypass: boolean; superuser: boolean }>(
      `SELECT has_schema_privilege('custodia_app', 'public', 'CREATE') AS create, rolbypassrls AS bypass, rolsuper AS superuser
       FROM pg_roles WHERE rolname = 'custodia_app'`,
    );
    expect(role).toEqual({ create: false, bypass: false, superuser: false });
    const definers = await adminQuery<{ proname: string; config: string[] | null }>(
      `SELECT p.proname, p.proconfig AS config FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.prosecdef`,
    );
    // app_record_ddl: the event trigger records DDL by anyone into ddl_event, which only the owner may write.
    // incident_affected_pseudonyms (0022): pseudonyms only, to an admin or auditor context (tests/incidents.test.ts).
    expect(definers.map((d) => d.proname).sort()).toEqual(["app_context_valid", "app_record_ddl", "incident_affected_pseudonyms"]);
    for (const d of definers) expect(d.config ?? [], d.proname).toContainEqual(expect.stringMatching(/^search_path=pg_catalog, public, pg_temp$/));
  });

  it("leaves no role or context on a pooled connection once the transaction ends", async () => {
    await asRuntimeConnection(as(clinician), async () => undefined);
    const { withActor } = await import("@/lib/db/transaction");
    const { prisma } = await import("@/lib/db/client");
    // Every connection of the pool has served a transaction; none may still carry its role or context.
    await Promise.all(Array.from({ length: 30 }, () => withActor(actorOf(clinician), ({ tx }) => tx.patient.count())));
    const after = await Promise.all(
      Array.from({ length: 30 }, () =>
        prisma().$queryRaw<{ role: string; actor: string | null; mac: string | null }[]>`
          SELECT current_user::text AS role, nullif(current_setting('app.actor_id', true), '') AS actor,
                 nullif(current_setting('app.context_mac', true), '') AS mac`,
      ),
    );
    for (const [row] of after) expect(row).toEqual({ role: expect.not.stringMatching(/^custodia_app$/), actor: null, mac: null });
  });
});
