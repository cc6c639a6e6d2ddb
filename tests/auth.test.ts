import { afterEach, describe, expect, it } from "vitest";
import { generate } from "otplib";
import { beginEnrollment, confirmEnrollment, verifySecondFactor } from "@/lib/auth/mfa";
import { checkSession, revokeSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { signInKeys } from "@/lib/auth/throttle";
import { blindIndex } from "@/lib/crypto/blind-index";
import { noRequest } from "@/lib/access/actor";
import { submitRequest } from "@/lib/services/data-requests";
import { processDueErasures } from "@/lib/services/erasure";
import { wrongCodes } from "./helpers/concurrency";
import { adminQuery } from "./helpers/db";
import { actorOf, confirmedErasure, makeUser, PASSWORD, request } from "./helpers/fixtures";

async function events(actorId: string | null, action: string) {
  return adminQuery<{ outcome: string; details: Record<string, unknown> }>(
    actorId === null
      ? "SELECT outcome, details FROM audit_event WHERE action = $1 AND actor_id IS NULL ORDER BY seq"
      : "SELECT outcome, details FROM audit_event WHERE action = $1 AND actor_id = $2 ORDER BY seq",
    actorId === null ? [action] : [action, actorId],
  );
}

const envBackup = { ...process.env };
afterEach(() => {
  // Restored key by key: process.env stays the object tests/setup/config.ts watches, so config() re-reads.
  for (const key of Object.keys(process.env)) if (!(key in envBackup)) delete process.env[key];
  Object.assign(process.env, envBackup);
});

describe("password sign-in", () => {
  it("answers an unknown account exactly like a wrong password, and logs both", async () => {
    const user = await makeUser("patient");
    const wrong = await passwordSignIn({ email: user.email, password: "nope", portal: "patient" }, request("198.51.100.1"));
    const unknown = await passwordSignIn({ email: "ghost@example.test", password: "nope", portal: "patient" }, request("198.51.100.1"));
    expect(wrong).toEqual({ ok: false, reason: "invalid" });
    expect(unknown).toEqual(wrong);
    expect((await events(user.id, "auth.sign_in"))[0]).toMatchObject({ outcome: "denied", details: { reason: "wrong-password" } });
  });

  it("locks the account after five failures, persisted in PostgreSQL, and refuses the right password", async () => {
    const user = await makeUser("patient");
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await passwordSignIn({ email: user.email, password: `bad-${i}`, portal: "patient" }, request(`198.51.100.${10 + i}`)));
    }
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["invalid", "invalid", "invalid", "invalid", "locked"]);
    const right = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request("198.51.100.99"));
    expect(right).toEqual({ ok: false, reason: "locked" });
    const rows = await adminQuery<{ locked: boolean }>("SELECT locked_until > now() AS locked FROM login_throttle WHERE key LIKE 'acct:%' AND locked_until IS NOT NULL");
    expect(rows.some((r) => r.locked)).toBe(true);
    expect(await events(user.id, "auth.lockout")).toHaveLength(1);
  });

  it("locks a client address that tries many accounts", async () => {
    process.env.LOCKOUT_ADDRESS_MAX_FAILURES = "3";
    const ip = "192.0.2.55";
    for (let i = 0; i < 3; i++) {
      await passwordSignIn({ email: `spray-${i}@example.test`, password: "x", portal: "patient" }, request(ip));
    }
    const user = await makeUser("patient");
    expect(await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request(ip))).toEqual({ ok: false, reason: "locked" });
    expect((await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request("192.0.2.56"))).ok).toBe(true);
  });

  it("gives an address back only the one attempt a valid sign-in made, not its earlier failures", async () => {
    process.env.LOCKOUT_ADDRESS_MAX_FAILURES = "3";
    const ip = "192.0.2.77";
    const user = await makeUser("patient");
    const results = [];
    results.push(await passwordSignIn({ email: "spray-a@example.test", password: "x", portal: "patient" }, request(ip)));
    results.push(await passwordSignIn({ email: "spray-b@example.test", password: "x", portal: "patient" }, request(ip)));
    results.push(await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request(ip)));
    results.push(await passwordSignIn({ email: "spray-c@example.test", password: "x", portal: "patient" }, request(ip)));
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["invalid", "invalid", "ok", "locked"]);
    expect((await events(null, "auth.lockout")).filter((e) => e.details.address === ip)).toEqual([
      expect.objectContaining({ outcome: "denied", details: expect.objectContaining({ scope: "address", step: "password" }) }),
    ]);
  });

  it("a lockout lasts LOCKOUT_SECONDS", async () => {
    process.env.LOCKOUT_SECONDS = "600";
    const user = await makeUser("patient");
    for (let i = 0; i < 5; i++) await passwordSignIn({ email: user.email, password: `bad-${i}`, portal: "patient" }, request(`198.51.100.${30 + i}`));
    const [key] = signInKeys(blindIndex("email", user.email), null);
    const [row] = await adminQuery<{ left: number }>("SELECT extract(epoch FROM locked_until - now())::float8 AS left FROM login_throttle WHERE key = $1", [key]);
    expect(row!.left).toBeGreaterThan(595);
    expect(row!.left).toBeLessThanOrEqual(600);
  });

  it("failures count across the whole window", async () => {
    const attempt = (email: string, i: number) => passwordSignIn({ email, password: `bad-${i}`, portal: "patient" }, request(`198.51.100.${60 + i}`));
    const inWindow = await makeUser("patient");
    for (let i = 0; i < 4; i++) expect(await attempt(inWindow.email, i)).toEqual({ ok: false, reason: "invalid" });
    const [inKey] = signInKeys(blindIndex("email", inWindow.email), null);
    await adminQuery("UPDATE login_throttle SET window_started_at = now() - interval '10 minutes' WHERE key = $1", [inKey]);
    expect(await attempt(inWindow.email, 4)).toEqual({ ok: false, reason: "locked" });

    const pastWindow = await makeUser("patient");
    for (let i = 0; i < 4; i++) expect(await attempt(pastWindow.email, i)).toEqual({ ok: false, reason: "invalid" });
    const [pastKey] = signInKeys(blindIndex("email", pastWindow.email), null);
    await adminQuery("UPDATE login_throttle SET window_started_at = now() - interval '16 minutes' WHERE key = $1", [pastKey]);
    expect(await attempt(pastWindow.email, 4)).toEqual({ ok: false, reason: "invalid" });
    expect(await adminQuery<{ failures: number }>("SELECT failures FROM login_throttle WHERE key = $1", [pastKey])).toEqual([{ failures: 1 }]);
    expect(await events(inWindow.id, "auth.lockout")).toHaveLength(1);
    expect(await events(pastWindow.id, "auth.lockout")).toEqual([]);
  });

  it("refuses a demo account in production mode even with the right password", async () => {
    const user = await makeUser("patient", { isDemo: true });
    process.env.CUSTODIA_ENV = "production";
    const result = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request());
    expect(result).toEqual({ ok: false, reason: "invalid" });
    expect((await events(user.id, "auth.sign_in")).at(-1)).toMatchObject({ outcome: "denied", details: { reason: "demo-account-in-production" } });
  });

  it("refuses a disabled account even with the right password, answered like a wrong password", async () => {
    const user = await makeUser("patient");
    await adminQuery("UPDATE app_user SET disabled_at = now() WHERE id = $1", [user.id]);
    expect(await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request())).toEqual({ ok: false, reason: "invalid" });
    expect(await adminQuery("SELECT 1 FROM auth_session WHERE user_id = $1", [user.id])).toEqual([]);
    expect((await events(user.id, "auth.sign_in")).at(-1)).toMatchObject({ outcome: "denied", details: { reason: "disabled" } });
  });

  it("refuses an erased patient even with the right password, and their open session ends", async () => {
    const user = await makeUser("patient");
    const before = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request());
    if (!before.ok) throw new Error("sign-in failed");
    await submitRequest(actorOf(user), { ...confirmedErasure });
    expect(await processDueErasures(noRequest, new Date(Date.now() + 31 * 86_400_000))).toBe(1);

    expect((await checkSession(before.sessionId, request())).status).toBe("invalid");
    const after = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request());
    expect(after).toEqual({ ok: false, reason: "invalid" });
    const [last] = await adminQuery<{ outcome: string; details: Record<string, unknown> }>(
      "SELECT outcome, details FROM audit_event WHERE action = 'auth.sign_in' ORDER BY seq DESC LIMIT 1",
    );
    expect(last).toMatchObject({ outcome: "denied", details: { reason: "unknown-account" } });
  });

  it("keeps patients out of the staff sign-in and staff out of the patient sign-in", async () => {
    const patient = await makeUser("patient");
    const clinician = await makeUser("clinician");
    expect(await passwordSignIn({ email: patient.email, password: PASSWORD, portal: "staff" }, request())).toEqual({ ok: false, reason: "wrong-portal" });
    expect(await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "patient" }, request())).toEqual({ ok: false, reason: "wrong-portal" });
  });
});

describe("second factor and sessions", () => {
  async function signedIn(role: "clinician" | "patient" = "clinician") {
    const user = await makeUser(role);
    const result = await passwordSignIn({ email: user.email, password: PASSWORD, portal: role === "patient" ? "patient" : "staff" }, request());
    if (!result.ok) throw new Error("sign-in failed");
    return { user, sessionId: result.sessionId };
  }

  it("holds a staff session at the MFA step until a valid code, and refuses a reused code", async () => {
    const { user, sessionId } = await signedIn();
    expect((await checkSession(sessionId, request())).status).toBe("mfa");
    const code = await generate({ secret: user.totpSecret! });
    expect(await verifySecondFactor(sessionId, code, request())).toEqual({ ok: true });
    expect((await checkSession(sessionId, request())).status).toBe("active");

    const second = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "staff" }, request());
    if (!second.ok) throw new Error("sign-in failed");
    expect(await verifySecondFactor(second.sessionId, code, request())).toEqual({ ok: false, reason: "invalid" });
    expect((await checkSession(second.sessionId, request())).status).toBe("mfa");
  });

  it("times out an idle session on the server and records it", async () => {
    const { user, sessionId } = await signedIn("patient");
    expect((await checkSession(sessionId, request())).status).toBe("active");
    await adminQuery("UPDATE auth_session SET last_seen_at = now() - interval '16 minutes' WHERE id = $1", [sessionId]);
    expect(await checkSession(sessionId, request())).toEqual({ status: "invalid", reason: "idle" });
    expect(await checkSession(sessionId, request())).toEqual({ status: "invalid", reason: "revoked" });
    expect(await events(user.id, "auth.session_timeout")).toHaveLength(1);
  });

  it("a new session lasts SESSION_MAX_SECONDS", async () => {
    process.env.SESSION_MAX_SECONDS = "7200";
    const { sessionId } = await signedIn("patient");
    const [row] = await adminQuery<{ life: number }>("SELECT extract(epoch FROM expires_at - created_at)::float8 AS life FROM auth_session WHERE id = $1", [sessionId]);
    expect(Math.abs(row!.life - 7200)).toBeLessThan(5);
  });

  it("the code that confirmed enrolment cannot sign in", async () => {
    const { user, sessionId } = await signedIn("patient");
    const challenge = await beginEnrollment(sessionId, request());
    const code = await generate({ secret: challenge!.secret });
    expect((await confirmEnrollment(sessionId, code, request())).ok).toBe(true);
    const next = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request());
    if (!next.ok) throw new Error("sign-in failed");
    expect(await verifySecondFactor(next.sessionId, code, request())).toEqual({ ok: false, reason: "invalid" });
    expect(await checkSession(next.sessionId, request())).toMatchObject({ status: "mfa", step: "verify" });
    expect((await events(user.id, "auth.mfa")).map((e) => [e.outcome, e.details.reason])).toEqual([["denied", "wrong-code"]]);
  });

  it("ends a session at its absolute lifetime even when active", async () => {
    const { sessionId } = await signedIn("patient");
    await adminQuery("UPDATE auth_session SET expires_at = now() - interval '1 second' WHERE id = $1", [sessionId]);
    expect(await checkSession(sessionId, request())).toEqual({ status: "invalid", reason: "expired" });
  });

  it("refuses the next request after sign-out, disabling the user, or a role change", async () => {
    const a = await signedIn("patient");
    await revokeSession(a.sessionId, "sign-out", request());
    expect(await checkSession(a.sessionId, request())).toEqual({ status: "invalid", reason: "revoked" });

    const b = await signedIn("patient");
    await adminQuery("UPDATE app_user SET disabled_at = now() WHERE id = $1", [b.user.id]);
    expect(await checkSession(b.sessionId, request())).toEqual({ status: "invalid", reason: "user-changed" });

    const c = await signedIn("patient");
    await adminQuery("UPDATE app_user SET session_version = session_version + 1 WHERE id = $1", [c.user.id]);
    expect(await checkSession(c.sessionId, request())).toEqual({ status: "invalid", reason: "user-changed" });
    for (const user of [b.user, c.user]) expect(await events(user.id, "auth.session_invalidated")).toHaveLength(1);
  });

  it("does not let a pending session of a since-disabled user pass the second factor", async () => {
    const { user, sessionId } = await signedIn();
    await adminQuery("UPDATE app_user SET disabled_at = now() WHERE id = $1", [user.id]);
    expect(await verifySecondFactor(sessionId, await generate({ secret: user.totpSecret! }), request())).toEqual({ ok: false, reason: "invalid" });
    expect((await events(user.id, "auth.mfa")).at(-1)).toMatchObject({ outcome: "denied", details: { reason: "no-pending-mfa" } });
    expect((await adminQuery<{ mfa_verified_at: Date | null }>("SELECT mfa_verified_at FROM auth_session WHERE id = $1", [sessionId]))[0]!.mfa_verified_at).toBeNull();
  });

  it("does not let a password-only session of an enrolled user enrol a new authenticator instead", async () => {
    const { sessionId } = await signedIn();
    expect(await beginEnrollment(sessionId, request())).toBeNull();
    expect(await confirmEnrollment(sessionId, "123456", request())).toEqual({ ok: false, reason: "invalid" });
    expect(await checkSession(sessionId, request())).toMatchObject({ status: "mfa", step: "verify" });
  });

  it("does not reset second-factor failures on a successful password", async () => {
    const { user, sessionId } = await signedIn();
    const wrong = await wrongCodes(user.totpSecret!, 5);
    for (const code of wrong.slice(0, 4)) expect(await verifySecondFactor(sessionId, code, request())).toEqual({ ok: false, reason: "invalid" });
    const again = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "staff" }, request());
    if (!again.ok) throw new Error("sign-in failed");
    expect(await verifySecondFactor(again.sessionId, wrong[4]!, request())).toEqual({ ok: false, reason: "locked" });
    expect(await checkSession(again.sessionId, request())).toEqual({ status: "invalid", reason: "revoked" });
    expect(await events(user.id, "auth.lockout")).toHaveLength(1);
  });

  it("accepts a recovery code once and counts wrong ones toward the lockout", async () => {
    const { user, sessionId } = await signedIn("patient");
    const challenge = await beginEnrollment(sessionId, request());
    const enrolled = await confirmEnrollment(sessionId, await generate({ secret: challenge!.secret }), request());
    if (!enrolled.ok) throw new Error("enrolment failed");
    const [first] = enrolled.recoveryCodes;
    const pending = async () => {
      const next = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request());
      if (!next.ok) throw new Error("sign-in failed");
      return next.sessionId;
    };
    expect(await verifySecondFactor(await pending(), first!, request())).toEqual({ ok: true });
    const reuse = await pending();
    expect(await verifySecondFactor(reuse, first!, request())).toEqual({ ok: false, reason: "invalid" });
    for (let i = 0; i < 3; i++) expect(await verifySecondFactor(reuse, `AAAA-BBBB-CCC${i + 2}`, request())).toEqual({ ok: false, reason: "invalid" });
    expect(await verifySecondFactor(reuse, "AAAA-BBBB-CCC6", request())).toEqual({ ok: false, reason: "locked" });
    expect(await verifySecondFactor(await pending(), enrolled.recoveryCodes[1]!, request())).toEqual({ ok: false, reason: "locked" });
  });

  it("counts wrong enrolment codes toward the lockout and ends the pending session", async () => {
    const user = await makeUser("clinician", { totp: false });
    const signed = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "staff" }, request());
    if (!signed.ok) throw new Error("sign-in failed");
    const challenge = await beginEnrollment(signed.sessionId, request());
    const wrong = await wrongCodes(challenge!.secret, 5);
    const results = [];
    for (const code of wrong) results.push(await confirmEnrollment(signed.sessionId, code, request()));
    expect(results.map((r) => (r.ok ? "ok" : r.reason))).toEqual(["invalid", "invalid", "invalid", "invalid", "locked"]);
    expect(await checkSession(signed.sessionId, request())).toEqual({ status: "invalid", reason: "revoked" });
    expect(await events(user.id, "auth.lockout")).toEqual([expect.objectContaining({ details: expect.objectContaining({ step: "enrolment" }) })]);
    expect(await adminQuery("SELECT 1 FROM app_user WHERE id = $1 AND mfa_enrolled_at IS NULL", [user.id])).toHaveLength(1);
  });

  it("lets a patient turn on TOTP from a signed-in session, after which sign-in asks for it", async () => {
    const { user, sessionId } = await signedIn("patient");
    const challenge = await beginEnrollment(sessionId, request());
    expect(challenge?.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const wrong = (await generate({ secret: challenge!.secret })) === "000000" ? "111111" : "000000";
    expect(await confirmEnrollment(sessionId, wrong, request())).toEqual({ ok: false, reason: "invalid" });
    const confirmed = await confirmEnrollment(sessionId, await generate({ secret: challenge!.secret }), request());
    expect(confirmed.ok && confirmed.recoveryCodes).toHaveLength(10);
    expect((await checkSession(sessionId, request())).status).toBe("active");
    const next = await passwordSignIn({ email: user.email, password: PASSWORD, portal: "patient" }, request());
    if (!next.ok) throw new Error("sign-in failed");
    expect(await checkSession(next.sessionId, request())).toMatchObject({ status: "mfa", step: "verify" });
  });

  it("treats a forged or unknown session id as signed out", async () => {
    expect(await checkSession("not-a-uuid", request())).toEqual({ status: "invalid", reason: "missing" });
    expect(await checkSession("00000000-0000-4000-8000-000000000000", request())).toEqual({ status: "invalid", reason: "missing" });
  });
});
