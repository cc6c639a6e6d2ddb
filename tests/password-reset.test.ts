import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_LINK } from "@/lib/auth/account-tokens";
import { checkSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { inviteStaff } from "@/lib/services/invitations";
import { requestPasswordReset, resetPassword, RESET_REQUESTED } from "@/lib/services/password-reset";
import { setAccountStatus } from "@/lib/services/staff-accounts";
import { adminQuery } from "./helpers/db";
import { actorOf, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";
import { linkIn, startSmtpServer, tokenOf } from "./helpers/smtp";

const NEW_PASSWORD = "marmalade on a rainy tuesday";
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let ipCounter = 0;
/** Each test asks from its own address, so the per-address limit of one test does not reach the next. */
const freshIp = () => `192.0.2.${++ipCounter}`;

beforeAll(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  await smtp.close();
});

const ask = (email: string, ip = freshIp()) => requestPasswordReset({ email }, request(ip));
const reset = (token: string, password = NEW_PASSWORD) => resetPassword({ token, newPassword: password, confirmPassword: password }, request());

async function resetTokens(userId: string) {
  return adminQuery<{ used_at: Date | null }>("SELECT used_at FROM account_token WHERE user_id = $1 AND purpose = 'password_reset'", [userId]);
}

async function linkFor(user: TestUser) {
  expect(await ask(user.email)).toBe(RESET_REQUESTED);
  const mail = await smtp.next(user.email);
  smtp.received.splice(smtp.received.indexOf(mail), 1);
  return tokenOf(linkIn(mail, "/reset-password/"));
}

async function signedIn(user: TestUser): Promise<string> {
  const result = await passwordSignIn({ email: user.email, password: PASSWORD, portal: user.role === "patient" ? "patient" : "staff" }, request());
  if (!result.ok) throw new Error(`sign-in failed: ${result.reason}`);
  await adminQuery("UPDATE auth_session SET mfa_verified_at = now() WHERE id = $1", [result.sessionId]);
  return result.sessionId;
}

describe("forgot password", () => {
  it("answers an unknown address exactly as a known one, sends nothing to it, and still does the same work", async () => {
    const patient = await makeUser("patient");
    const unknown = `nobody-${process.pid}@example.test`;
    expect(await ask(unknown)).toBe(await ask(patient.email));
    await smtp.next(patient.email);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.to(unknown)).toHaveLength(0);
    // The unknown address was counted by the throttle like a known one, and the request is on record.
    const counted = await adminQuery<{ key: string; failures: number }>("SELECT key, failures FROM login_throttle WHERE key LIKE 'reset-acct:%' ORDER BY key");
    expect(counted.map((c) => c.failures)).toEqual([1, 1]);
    const events = await adminQuery<{ outcome: string; details: { reason?: string } }>(
      "SELECT outcome, details FROM audit_event WHERE action = 'auth.password_reset_request' ORDER BY seq",
    );
    expect(events.map((e) => [e.outcome, e.details.reason ?? null])).toEqual([
      ["denied", "unknown-account"],
      ["allowed", null],
    ]);
  });

  it("lets the link set a new password once, ending every session of the account; two-step verification is still asked", async () => {
    const clinician = await makeUser("clinician");
    const session = await signedIn(clinician);
    expect((await checkSession(session, request())).status).toBe("active");
    const token = await linkFor(clinician);
    expect(await reset(token)).toMatchObject({ ok: true, email: clinician.email });
    expect(await checkSession(session, request())).toEqual({ status: "invalid", reason: "user-changed" });
    expect(await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "staff" }, request())).toMatchObject({ ok: false });
    expect(await passwordSignIn({ email: clinician.email, password: NEW_PASSWORD, portal: "staff" }, request())).toMatchObject({ ok: true });
    // The new password is a first factor only: the enrolled authenticator is still asked for.
    const after = await passwordSignIn({ email: clinician.email, password: NEW_PASSWORD, portal: "staff" }, request());
    if (!after.ok) throw new Error(after.reason);
    expect(await checkSession(after.sessionId, request())).toMatchObject({ status: "mfa", step: "verify" });
    // Used once: a second use (say, from a forwarded mail) is refused and recorded.
    expect(await reset(token, "another fine long passphrase")).toEqual({ ok: false, message: INVALID_LINK });
    const denied = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'auth.password_reset' AND outcome = 'denied' AND actor_id = $1 AND details->>'reason' = 'used'", [clinician.id]);
    expect(denied).toHaveLength(1);
  });

  it("refuses a weak password next to the field and keeps the link usable", async () => {
    const patient = await makeUser("patient");
    const token = await linkFor(patient);
    expect(await reset(token, "password1234")).toEqual({ ok: false, field: "newPassword", message: expect.stringMatching(/breached or common/) });
    expect(await reset(token)).toMatchObject({ ok: true });
  });

  it("refuses a link older than 30 minutes, a tampered link, and an invitation link; nothing changes", async () => {
    const patient = await makeUser("patient");
    const token = await linkFor(patient);
    await adminQuery("UPDATE account_token SET created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute' WHERE user_id = $1", [patient.id]);
    const [before] = await adminQuery("SELECT password_hash, session_version FROM app_user WHERE id = $1", [patient.id]);
    expect(await reset(token)).toEqual({ ok: false, message: INVALID_LINK });
    expect(await reset(token.replace(/^./, (c) => (c === "x" ? "y" : "x")))).toEqual({ ok: false, message: INVALID_LINK });

    const admin = await makeUser("admin");
    const invitee = `invited-${process.pid}@hospital.test`;
    await inviteStaff(actorOf(admin), { email: invitee, displayName: "Ivo Invited", role: "clinician" });
    const activation = tokenOf(linkIn(await smtp.next(invitee), "/activate/"));
    expect(await reset(activation)).toEqual({ ok: false, message: INVALID_LINK });

    expect(await adminQuery("SELECT password_hash, session_version FROM app_user WHERE id = $1", [patient.id])).toEqual([before]);
    const reasons = await adminQuery<{ reason: string }>("SELECT details->>'reason' AS reason FROM audit_event WHERE action = 'auth.password_reset' AND outcome = 'denied' ORDER BY seq");
    expect(reasons.map((r) => r.reason)).toEqual(expect.arrayContaining(["expired", "unknown-token", "wrong-purpose"]));
  });

  it("issues links with the documented lifetimes", async () => {
    const patient = await makeUser("patient");
    await linkFor(patient);
    const admin = await makeUser("admin");
    const invitee = `lifetime-${process.pid}@hospital.test`;
    await inviteStaff(actorOf(admin), { email: invitee, displayName: "Lea Lifetime", role: "clinician" });
    smtp.received.splice(smtp.received.indexOf(await smtp.next(invitee)), 1);
    const lifetimes = await adminQuery<{ purpose: string; seconds: number }>(
      `SELECT t.purpose, extract(epoch FROM t.expires_at - t.created_at)::float8 AS seconds
       FROM account_token t WHERE t.user_id = $1 OR t.created_by = $2 ORDER BY t.purpose`,
      [patient.id, admin.id],
    );
    expect(lifetimes.map((l) => [l.purpose, Math.round(l.seconds)])).toEqual([
      ["activation", 72 * 60 * 60],
      ["password_reset", 30 * 60],
    ]);
  });

  it("only the newest link works", async () => {
    const patient = await makeUser("patient");
    const first = await linkFor(patient);
    const second = await linkFor(patient);
    expect(await reset(first)).toEqual({ ok: false, message: INVALID_LINK });
    expect(await reset(second)).toMatchObject({ ok: true });
  });

  it("sends nothing for a disabled account, with the same answer", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "disabled" });
    expect(await ask(clinician.email)).toBe(RESET_REQUESTED);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.to(clinician.email)).toHaveLength(0);
    expect(await resetTokens(clinician.id)).toHaveLength(0);
  });

  it("refuses a link issued before the account was disabled, and the password stays as it was", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const token = await linkFor(clinician);
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "disabled" });
    expect(await reset(token)).toEqual({ ok: false, message: INVALID_LINK });
    await setAccountStatus(actorOf(admin), { userId: clinician.id, status: "active" });
    expect(await passwordSignIn({ email: clinician.email, password: PASSWORD, portal: "staff" }, request(freshIp()))).toMatchObject({ ok: true });
  });

  it("holds the per-account limit under parallel requests: 5 links per window, however many arrive at once", async () => {
    const patient = await makeUser("patient");
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(patient.email, `198.51.100.${i + 1}`)));
    expect(new Set(answers)).toEqual(new Set([RESET_REQUESTED]));
    expect(await resetTokens(patient.id)).toHaveLength(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.to(patient.email)).toHaveLength(5);
    const lockouts = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'auth.lockout' AND details->>'scope' = 'password-reset' AND actor_id = $1", [patient.id]);
    expect(lockouts).toHaveLength(1);
    // Resets do not lock the account's sign-in.
    expect(await passwordSignIn({ email: patient.email, password: PASSWORD, portal: "patient" }, request())).toMatchObject({ ok: true });
  });

  it("holds the per-address limit under parallel requests for many accounts", async () => {
    process.env.LOCKOUT_ADDRESS_MAX_FAILURES = "3";
    try {
      const patients = await Promise.all(Array.from({ length: 6 }, () => makeUser("patient")));
      const ip = freshIp();
      await Promise.all(patients.map((p) => ask(p.email, ip)));
      const issued = await adminQuery<{ n: string }>("SELECT count(*)::text AS n FROM account_token WHERE user_id = ANY($1::uuid[])", [patients.map((p) => p.id)]);
      expect(issued[0]!.n).toBe("3");
      await new Promise((r) => setTimeout(r, 500));
      expect(patients.filter((p) => smtp.to(p.email).length > 0)).toHaveLength(3);
    } finally {
      delete process.env.LOCKOUT_ADDRESS_MAX_FAILURES;
    }
  });
});
