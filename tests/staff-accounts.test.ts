import { spawn } from "node:child_process";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { AccessDenied, Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { verifySecondFactor } from "@/lib/auth/mfa";
import { checkSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { changePassword, myActiveSessions, signOutOtherSessions } from "@/lib/services/my-security";
import { changeRole, listStaffAccounts, resetMfa, setAccountStatus } from "@/lib/services/staff-accounts";
import { adminQuery } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";
import { asRuntimeRole } from "./helpers/runtime-role";

function adminCreate(args: string[], stdin: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/admin-create.ts", ...args], { env: process.env });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ code, output }));
    child.stdin.end(stdin);
  });
}

async function events(action: string, resourceId: string) {
  return adminQuery<{ actor_id: string; outcome: string; details: Record<string, unknown> }>(
    "SELECT actor_id::text, outcome, details FROM audit_event WHERE action = $1 AND resource_id = $2 ORDER BY seq",
    [action, resourceId],
  );
}

async function alertsAbout(userId: string) {
  return adminQuery<{ kind: string; details: Record<string, unknown> }>("SELECT kind, details FROM alert WHERE details->>'userId' = $1 ORDER BY created_at", [userId]);
}

async function userRow(id: string) {
  const [row] = await adminQuery<{ role: string; disabled_at: Date | null; mfa_enrolled_at: Date | null; mfa_secret_enc: string | null; session_version: number }>(
    "SELECT role, disabled_at, mfa_enrolled_at, mfa_secret_enc, session_version FROM app_user WHERE id = $1",
    [id],
  );
  return row!;
}

/**
 * Signed in through the password door. The second factor is marked passed by the owner: a TOTP code is
 * accepted once per 30 s step, and these tests open several sessions a minute (auth.test.ts tests the factor).
 */
async function signedIn(user: TestUser, password = PASSWORD): Promise<string> {
  const result = await passwordSignIn({ email: user.email, password, portal: user.role === "patient" ? "patient" : "staff" }, request());
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  await adminQuery("UPDATE auth_session SET mfa_verified_at = now() WHERE id = $1", [result.sessionId]);
  return result.sessionId;
}

async function deniedEvents(actorId: string, resourceId: string) {
  return adminQuery<{ details: Record<string, unknown> }>(
    "SELECT details FROM audit_event WHERE action = 'access.denied' AND outcome = 'denied' AND actor_id = $1 AND resource_id = $2",
    [actorId, resourceId],
  );
}

describe("npm run admin:create", () => {
  it("refuses a breached password and creates nothing", async () => {
    const run = await adminCreate(["--email", "weak@hospital.test"], "qwerty123456\n");
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/breached or common/);
    expect(await adminQuery("SELECT 1 FROM app_user WHERE role = 'admin'")).toHaveLength(0);
  });

  it("creates the first administrator, who must enrol TOTP at first sign-in; a second run is refused", async () => {
    const run = await adminCreate(["--email", "First.Admin@hospital.test", "--name", "First Admin"], "a long and unguessable phrase\n");
    expect(run.output).toMatch(/Administrator First.Admin@hospital.test created/);
    expect(run.code).toBe(0);
    const [admin] = await adminQuery<{ id: string; mfa_enrolled_at: Date | null }>("SELECT id::text, mfa_enrolled_at FROM app_user WHERE role = 'admin'");
    expect(admin!.mfa_enrolled_at).toBeNull();
    expect(await alertsAbout(admin!.id)).toEqual([expect.objectContaining({ kind: "privilege_change", details: expect.objectContaining({ change: "admin-created" }) })]);
    expect(await events("user.admin_bootstrap", admin!.id)).toHaveLength(1);

    const signIn = await passwordSignIn({ email: "first.admin@hospital.test", password: "a long and unguessable phrase", portal: "staff" }, request());
    if (!signIn.ok) throw new Error("sign-in failed");
    expect(await checkSession(signIn.sessionId, request())).toMatchObject({ status: "mfa", step: "enroll" });

    const again = await adminCreate(["--email", "second@hospital.test"], "another long passphrase here\n");
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/already has 1 active administrator/);
    const additional = await adminCreate(["--email", "second@hospital.test", "--additional"], "another long passphrase here\n");
    expect(additional.code).toBe(0);
    const duplicate = await adminCreate(["--email", "SECOND@hospital.test", "--additional"], "another long passphrase here\n");
    expect(duplicate.output).toMatch(/already exists/);
  }, 120_000);

  it("creates other staff with --role, never a patient, and without an alert", async () => {
    const nurse = await adminCreate(["--email", "nurse@hospital.test", "--role", "clinician"], "a nurse with a long passphrase\n");
    expect(nurse.code).toBe(0);
    const [row] = await adminQuery<{ id: string; role: string }>("SELECT id::text, role FROM app_user WHERE role = 'clinician'");
    expect(await alertsAbout(row!.id)).toEqual([]);
    const patient = await adminCreate(["--email", "patient@hospital.test", "--role", "patient"], "a patient with a long passphrase\n");
    expect(patient.code).toBe(1);
    expect(await adminQuery("SELECT 1 FROM app_user WHERE role = 'patient'")).toHaveLength(0);
  }, 60_000);
});

describe("staff accounts in the admin console", () => {
  it("lists staff with role, care teams, MFA state, last sign-in and status, and no patients", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([clinician.id], []);
    await signedIn(clinician);
    const list = await listStaffAccounts(actorOf(admin));
    const row = list.find((u) => u.id === clinician.id)!;
    expect(row).toMatchObject({ email: clinician.email, role: "clinician", mfaEnrolled: true, status: "active", self: false });
    expect(row.careTeams).toHaveLength(1);
    expect(row.lastSignInAt).not.toBeNull();
    expect(list.find((u) => u.id === admin.id)!.self).toBe(true);
    expect(list.some((u) => u.id === patient.id)).toBe(false);
  });

  it("refuses clinicians and auditors every account service, and records each denial", async () => {
    const target = await makeUser("clinician");
    for (const role of ["clinician", "auditor"] as const) {
      const attacker = await makeUser(role);
      await expect(listStaffAccounts(actorOf(attacker))).rejects.toBeInstanceOf(AccessDenied);
      await expect(changeRole(actorOf(attacker), { userId: attacker.id, role: "admin" })).rejects.toBeInstanceOf(AccessDenied);
      await expect(setAccountStatus(actorOf(attacker), { userId: target.id, status: "disabled" })).rejects.toBeInstanceOf(AccessDenied);
      await expect(resetMfa(actorOf(attacker), { userId: target.id, reason: "I would like to take it over" })).rejects.toBeInstanceOf(AccessDenied);
      expect(await deniedEvents(attacker.id, target.id)).toHaveLength(2);
      expect(await deniedEvents(attacker.id, attacker.id)).toHaveLength(1);
      expect((await userRow(attacker.id)).role).toBe(role);
    }
    expect(await userRow(target.id)).toMatchObject({ role: "clinician", disabled_at: null });
  });

  it("changes a role with before/after in the log and an alert, and ends the user's session on its next request", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const session = await signedIn(clinician);
    expect((await checkSession(session, request())).status).toBe("active");
    await changeRole(actorOf(admin), { userId: clinician.id, role: "auditor" });
    expect(await checkSession(session, request())).toEqual({ status: "invalid", reason: "user-changed" });
    expect((await userRow(clinician.id)).role).toBe("auditor");
    expect(await events("user.role_change", clinician.id)).toEqual([
      expect.objectContaining({ actor_id: admin.id, outcome: "allowed", details: { before: { role: "clinician" }, after: { role: "auditor" } } }),
    ]);
    expect(await alertsAbout(clinician.id)).toEqual([expect.objectContaining({ kind: "privilege_change", details: expect.objectContaining({ change: "role", after: "auditor" }) })]);
  });

  it("refuses an administrator changing their own role, status or MFA, and records it", async () => {
    const admin = await makeUser("admin");
    await makeUser("admin");
    await expect(changeRole(actorOf(admin), { userId: admin.id, role: "clinician" })).rejects.toBeInstanceOf(Conflict);
    await expect(setAccountStatus(actorOf(admin), { userId: admin.id, status: "disabled" })).rejects.toThrow(/your own role/);
    await expect(resetMfa(actorOf(admin), { userId: admin.id, reason: "Resetting my own factor" })).rejects.toBeInstanceOf(Conflict);
    const denied = await deniedEvents(admin.id, admin.id);
    expect(denied.map((d) => d.details.guard)).toEqual(["self", "self", "self"]);
    expect(await userRow(admin.id)).toMatchObject({ role: "admin", disabled_at: null });
  });

  it("ignores fields a form did not declare (mass assignment)", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const before = await userRow(clinician.id);
    await changeRole(actorOf(admin), { userId: clinician.id, role: "auditor", disabledAt: null, mfaEnrolledAt: null, mfaSecretEnc: null, patientId: null } as never);
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "active", role: "admin" } as never);
    const after = await userRow(clinician.id);
    expect(after).toMatchObject({ role: "auditor", disabled_at: null, mfa_secret_enc: before.mfa_secret_enc });
    expect(after.mfa_enrolled_at).toEqual(before.mfa_enrolled_at);
    await expect(changeRole(actorOf(admin), { userId: clinician.id, role: "patient" } as never)).rejects.toBeInstanceOf(ZodError);
    // Patients are not staff: their accounts answer not-found here, so a patient cannot be promoted either.
    const patient = await makeUser("patient");
    await expect(changeRole(actorOf(admin), { userId: patient.id, role: "admin" })).rejects.toBeInstanceOf(NotFound);
    await expect(resetMfa(actorOf(admin), { userId: patient.id, reason: "Reset a patient's factor" })).rejects.toBeInstanceOf(NotFound);
    expect((await userRow(patient.id)).role).toBe("patient");
  });

  it("disables an account: its session is refused at once, sign-in fails, auditors get a privilege alert; re-enabling lets it sign in again and alerts too", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const session = await signedIn(clinician);
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "disabled" });
    expect(await checkSession(session, request())).toEqual({ status: "invalid", reason: "user-changed" });
    expect(await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "staff" }, request())).toEqual({ ok: false, reason: "invalid" });
    expect(await events("user.disable", clinician.id)).toEqual([expect.objectContaining({ details: { before: { status: "active" }, after: { status: "disabled" } } })]);
    const disabledAlert = { kind: "privilege_change", severity: "medium", actor_id: admin.id, details: { change: "staff-disabled", userId: clinician.id } };
    const alerts = () => adminQuery("SELECT kind, severity, actor_id::text, details FROM alert WHERE details->>'userId' = $1", [clinician.id]);
    expect(await alerts()).toEqual([disabledAlert]);
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "active" });
    // Re-enabling gives the clinician back sight of their teams' patients: a granting change, alerted as high.
    const enabledAlert = { kind: "privilege_change", severity: "high", actor_id: admin.id, details: { change: "staff-enabled", userId: clinician.id } };
    expect(await alerts()).toEqual(expect.arrayContaining([disabledAlert, enabledAlert]));
    expect(await alerts()).toHaveLength(2);
    expect(await events("user.enable", clinician.id)).toEqual([expect.objectContaining({ details: { before: { status: "disabled" }, after: { status: "active" } } })]);
    // Enabling an account that is already active changes nothing and alerts nothing.
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "active" });
    expect(await alerts()).toHaveLength(2);
    expect((await checkSession(session, request())).status).toBe("invalid");
    expect((await checkSession(await signedIn(clinician), request())).status).toBe("active");
  });

  it("resets MFA only with a reason: sessions end, the old authenticator stops working, the next sign-in enrols", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const session = await signedIn(clinician);
    await expect(resetMfa(actorOf(admin), { userId: clinician.id, reason: "" })).rejects.toBeInstanceOf(ZodError);
    expect((await checkSession(session, request())).status).toBe("active");
    await resetMfa(actorOf(admin), { userId: clinician.id, reason: "Lost phone, identity checked in person" });
    expect(await checkSession(session, request())).toEqual({ status: "invalid", reason: "user-changed" });
    expect(await userRow(clinician.id)).toMatchObject({ mfa_enrolled_at: null, mfa_secret_enc: null });
    const next = await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "staff" }, request());
    if (!next.ok) throw new Error("sign-in failed");
    expect(await checkSession(next.sessionId, request())).toMatchObject({ status: "mfa", step: "enroll" });
    expect(await verifySecondFactor(next.sessionId, await generate({ secret: clinician.totpSecret! }), request())).toEqual({ ok: false, reason: "invalid" });
    const [event] = await events("user.mfa_reset", clinician.id);
    expect(event!.details).toEqual({ before: { mfaEnrolled: true }, after: { mfaEnrolled: false }, reason: "Lost phone, identity checked in person" });
    expect(JSON.stringify(event!.details)).not.toMatch(/secret|hash/i);
    expect(await alertsAbout(clinician.id)).toEqual([expect.objectContaining({ kind: "privilege_change", details: expect.objectContaining({ change: "mfa-reset" }) })]);
  });

  it("never lets two administrators demote or disable each other at once into having none", async () => {
    const a = await makeUser("admin");
    const b = await makeUser("admin");
    // Only these two are active administrators for this test.
    await adminQuery("UPDATE app_user SET disabled_at = now() WHERE role = 'admin' AND id NOT IN ($1, $2)", [a.id, b.id]);
    const roles = await Promise.allSettled([
      changeRole(actorOf(a), { userId: b.id, role: "clinician" }),
      changeRole(actorOf(b), { userId: a.id, role: "clinician" }),
    ]);
    expect(roles.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = roles.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(Conflict);
    expect(String(refused.reason.message)).toMatch(/last active administrator/);
    const [{ n }] = (await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM app_user WHERE role = 'admin' AND disabled_at IS NULL")) as [{ n: number }];
    expect(n).toBe(1);

    const c = await makeUser("admin");
    const remaining = (await userRow(a.id)).role === "admin" ? a : b;
    const statuses = await Promise.allSettled([
      setAccountStatus(actorOf(remaining), { userId: c.id, status: "disabled" }),
      setAccountStatus(actorOf(c), { userId: remaining.id, status: "disabled" }),
    ]);
    expect(statuses.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [{ left }] = (await adminQuery<{ left: number }>("SELECT count(*)::int AS left FROM app_user WHERE role = 'admin' AND disabled_at IS NULL")) as [{ left: number }];
    expect(left).toBe(1);
    // The one whose own account was disabled is the one whose attempt was refused.
    const loser = (await userRow(c.id)).disabled_at ? c : remaining;
    expect((await deniedEvents(loser.id, loser === c ? remaining.id : c.id)).map((d) => d.details.guard)).toEqual(["last-admin"]);
  });

  it("holds at the database: a clinician's or auditor's connection cannot change accounts by raw SQL", async () => {
    for (const role of ["clinician", "auditor"] as const) {
      const attacker = await makeUser(role);
      const updated = await asRuntimeRole("UPDATE app_user SET role = 'admin', disabled_at = NULL WHERE id = $1 RETURNING id", [attacker.id], { role, actorId: attacker.id });
      expect(updated).toHaveLength(0);
      const sessions = await asRuntimeRole("UPDATE auth_session SET revoked_at = NULL WHERE user_id = $1 RETURNING id", [attacker.id], { role, actorId: attacker.id });
      expect(sessions).toHaveLength(0);
      expect((await userRow(attacker.id)).role).toBe(role);
    }
    // An administrator's own row is out of reach in the admin context too (the app's self guard, again in SQL).
    const admin = await makeUser("admin");
    const other = await makeUser("clinician");
    await adminQuery("UPDATE app_user SET disabled_at = now() WHERE id = $1", [admin.id]);
    const own = await asRuntimeRole("UPDATE app_user SET disabled_at = NULL, mfa_enrolled_at = NULL WHERE id = $1 RETURNING id", [admin.id], { role: "admin", actorId: admin.id });
    expect(own).toHaveLength(0);
    expect((await userRow(admin.id)).disabled_at).not.toBeNull();
    const theirs = await asRuntimeRole("UPDATE app_user SET role = 'auditor' WHERE id = $1 RETURNING id", [other.id], { role: "admin", actorId: admin.id });
    expect(theirs).toHaveLength(1);
  });

  it("holds at the database: an admin's connection cannot take an account over by raw SQL", async () => {
    const admin = await makeUser("admin");
    const staff = await makeUser("clinician");
    const patient = await makeUser("patient");
    const ctx = { role: "admin", actorId: admin.id };
    const account = async (id: string) =>
      (await adminQuery("SELECT role, email_enc, password_hash, mfa_secret_enc, session_version, disabled_at FROM app_user WHERE id = $1", [id]))[0];
    const before = { staff: await account(staff.id), patient: await account(patient.id) };
    const takeovers: [string, unknown[]][] = [
      ["UPDATE app_user SET password_hash = 'attacker' WHERE id = $1", [staff.id]],
      ["UPDATE app_user SET email_enc = email_enc || 'x' WHERE id = $1", [staff.id]],
      ["UPDATE app_user SET mfa_secret_enc = 'attacker', mfa_enrolled_at = now() WHERE id = $1", [staff.id]],
      ["UPDATE app_user SET session_version = session_version - 1 WHERE id = $1", [staff.id]],
      ["UPDATE app_user SET password_hash = 'attacker' WHERE id = $1", [patient.id]],
      ["UPDATE app_user SET disabled_at = now() WHERE id = $1", [patient.id]],
      ["DELETE FROM app_user WHERE id = $1", [staff.id]],
      ["INSERT INTO app_user (role, email_bidx, email_enc, display_name_enc, password_hash) VALUES ('admin', 'x', 'x', 'x', 'x')", []],
    ];
    for (const [sql, params] of takeovers) {
      await expect(asRuntimeRole(sql, params, ctx), sql).rejects.toThrow(/administrator may change|created and removed by the system/);
    }
    expect(await account(staff.id)).toEqual(before.staff);
    expect(await account(patient.id)).toEqual(before.patient);
    // What the console does stays possible: role, status, sessions, and a second-factor reset.
    const allowed = await asRuntimeRole(
      "UPDATE app_user SET disabled_at = now(), session_version = session_version + 1, mfa_secret_enc = NULL, mfa_enrolled_at = NULL WHERE id = $1 RETURNING id",
      [staff.id],
      ctx,
    );
    expect(allowed).toHaveLength(1);
  });
});

describe("my account: password and sessions", () => {
  it("changes the password only with the current one and a policy-compliant new one; other sessions end", async () => {
    const patient = await makeUser("patient");
    const current = await signedIn(patient);
    const other = await signedIn(patient);
    const actor = actorOf(patient, current);
    const newPassword = "a brand new passphrase for me";

    const wrong = changePassword(actor, { currentPassword: "not my password", newPassword, confirmPassword: newPassword });
    await expect(wrong).rejects.toBeInstanceOf(InvalidInput);
    await expect(wrong).rejects.toMatchObject({ fieldErrors: { currentPassword: ["The current password is not correct."] } });
    expect(await events("auth.password_change", patient.id)).toEqual([expect.objectContaining({ outcome: "denied", details: { reason: "wrong-password" } })]);
    await expect(changePassword(actor, { currentPassword: PASSWORD, newPassword: "password1234", confirmPassword: "password1234" })).rejects.toMatchObject({
      fieldErrors: { newPassword: [expect.stringMatching(/breached or common/)] },
    });
    await expect(changePassword(actor, { currentPassword: PASSWORD, newPassword, confirmPassword: "something else" })).rejects.toBeInstanceOf(ZodError);
    expect((await checkSession(other, request())).status).toBe("active");

    expect(await changePassword(actor, { currentPassword: PASSWORD, newPassword, confirmPassword: newPassword })).toEqual({ otherSessionsEnded: 1 });
    expect((await checkSession(current, request())).status).toBe("active");
    expect(await checkSession(other, request())).toEqual({ status: "invalid", reason: "revoked" });
    expect(await passwordSignIn({ email: patient.email, password: PASSWORD, portal: "patient" }, request())).toEqual({ ok: false, reason: "invalid" });
    expect((await passwordSignIn({ email: patient.email, password: newPassword, portal: "patient" }, request())).ok).toBe(true);
  });

  it("lists my active sessions and signs out everywhere else, never another user's", async () => {
    const clinician = await makeUser("clinician");
    const bystander = await makeUser("clinician");
    const theirs = await signedIn(bystander);
    const first = await signedIn(clinician);
    const second = await signedIn(clinician);
    const actor = actorOf(clinician, second);
    const listed = await myActiveSessions(actor);
    expect(listed.map((s) => s.id).sort()).toEqual([first, second].sort());
    expect(listed.find((s) => s.current)!.id).toBe(second);
    expect(listed[0]).toMatchObject({ ip: "203.0.113.7", device: "vitest" });

    expect(await signOutOtherSessions(actor)).toBe(1);
    expect(await checkSession(first, request())).toEqual({ status: "invalid", reason: "revoked" });
    expect((await checkSession(second, request())).status).toBe("active");
    expect((await checkSession(theirs, request())).status).toBe("active");
    expect((await myActiveSessions(actor)).map((s) => s.id)).toEqual([second]);
  });
});
