import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import MailboxPage from "@/app/dev/mailbox/page";
import { AccessDenied, Conflict, NotFound } from "@/lib/access/errors";
import { INVALID_LINK } from "@/lib/auth/account-tokens";
import { checkSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { NO_MAIL_IN_PRODUCTION } from "@/lib/mail/send";
import { activateAccount, inviteStaff, pendingInvitations, resendInvitation, withdrawInvitation } from "@/lib/services/invitations";
import { setAccountStatus } from "@/lib/services/staff-accounts";
import { adminQuery } from "./helpers/db";
import { asRuntimeRole } from "./helpers/runtime-role";
import { actorOf, makeUser, request, type TestUser } from "./helpers/fixtures";
import { linkIn, startSmtpServer, tokenOf } from "./helpers/smtp";

const NEW_PASSWORD = "violet kettle under the stairs";
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let admin: TestUser;
let seq = 0;

beforeAll(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  admin = await makeUser("admin");
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  await smtp.close();
});

const newAddress = () => `invitee-${process.pid}-${++seq}@hospital.test`;

/** Invites, and returns the account and the token read from the message the SMTP server received. */
async function invited(role: "clinician" | "auditor" | "admin" = "clinician") {
  const email = newAddress();
  const invitation = await inviteStaff(actorOf(admin), { email, displayName: "Dr Ines Invited", role });
  const mail = await smtp.next(email);
  return { email, userId: invitation.userId, invitation, mail, token: tokenOf(linkIn(mail, "/activate/")) };
}

async function account(id: string) {
  const [row] = await adminQuery<{ role: string; password_hash: string; disabled_at: Date | null; mfa_enrolled_at: Date | null }>(
    "SELECT role, password_hash, disabled_at, mfa_enrolled_at FROM app_user WHERE id = $1",
    [id],
  );
  return row!;
}

async function activationEvents(userId: string | null) {
  return adminQuery<{ outcome: string; details: { reason?: string } }>(
    "SELECT outcome, details FROM audit_event WHERE action = 'user.activate' AND actor_id IS NOT DISTINCT FROM $1 ORDER BY seq",
    [userId],
  );
}

const activate = (token: string, password = NEW_PASSWORD, extra: Record<string, unknown> = {}) =>
  activateAccount({ token, newPassword: password, confirmPassword: password, ...extra }, request());

describe("inviting a staff member", () => {
  it("sends a single-use link by SMTP; the account cannot sign in until the person sets a password, then enrols TOTP", async () => {
    const { email, userId, invitation, mail, token } = await invited();
    expect(invitation.delivery).toEqual({ via: "smtp" });
    expect(invitation.link).toBeNull();
    expect(mail.subject).toBe("Your Custodia account");
    expect(mail.text).toMatch(/invited to Custodia as a clinician/);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the hash is stored.
    expect(JSON.stringify(await adminQuery("SELECT * FROM account_token WHERE user_id = $1", [userId]))).not.toContain(token);
    expect(await account(userId)).toMatchObject({ role: "clinician", mfa_enrolled_at: null, disabled_at: expect.any(Date) });
    expect(await passwordSignIn({ email, password: NEW_PASSWORD, portal: "staff" }, request())).toEqual({ ok: false, reason: "invalid" });
    const [invite] = await adminQuery<{ actor_id: string; details: Record<string, unknown> }>(
      "SELECT actor_id::text, details FROM audit_event WHERE action = 'user.invite' AND resource_id = $1",
      [userId],
    );
    expect(invite).toEqual({ actor_id: admin.id, details: { role: "clinician" } });

    const done = await activate(token);
    expect(done).toMatchObject({ ok: true, email });
    expect((await account(userId)).disabled_at).toBeNull();
    const signIn = await passwordSignIn({ email, password: NEW_PASSWORD, portal: "staff" }, request());
    if (!signIn.ok) throw new Error("sign-in after activation failed");
    expect(await checkSession(signIn.sessionId, request())).toMatchObject({ status: "mfa", step: "enroll" });
  });

  it("refuses a weak or breached password next to the field, and the link still works afterwards", async () => {
    const { userId, token } = await invited();
    const before = await account(userId);
    expect(await activate(token, "password1234")).toEqual({ ok: false, field: "newPassword", message: expect.stringMatching(/breached or common/) });
    expect(await account(userId)).toEqual(before);
    expect(await activate(token)).toMatchObject({ ok: true });
  });

  it("refuses a reused link with one plain message, changes nothing and records the attempt", async () => {
    const { userId, token } = await invited();
    expect(await activate(token)).toMatchObject({ ok: true });
    const after = await account(userId);
    expect(await activate(token, "a different long phrase here")).toEqual({ ok: false, message: INVALID_LINK });
    expect(await account(userId)).toEqual(after);
    expect((await activationEvents(userId)).map((e) => [e.outcome, e.details.reason ?? null])).toEqual([
      ["allowed", null],
      ["denied", "used"],
    ]);
  });

  it("refuses an expired link (older than 72 hours)", async () => {
    const { userId, token } = await invited();
    await adminQuery("UPDATE account_token SET created_at = now() - interval '73 hours', expires_at = now() - interval '1 hour' WHERE user_id = $1", [userId]);
    const before = await account(userId);
    expect(await activate(token)).toEqual({ ok: false, message: INVALID_LINK });
    expect(await account(userId)).toEqual(before);
    expect((await activationEvents(userId)).map((e) => e.details.reason)).toEqual(["expired"]);
  });

  it("refuses a tampered or truncated link and records it", async () => {
    const { userId, token } = await invited();
    const before = await account(userId);
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    for (const bad of [flipped, token.slice(0, 20), "", "../../etc/passwd"]) {
      expect(await activate(bad)).toEqual({ ok: false, message: INVALID_LINK });
    }
    expect(await account(userId)).toEqual(before);
    const denied = await adminQuery<{ details: { reason: string } }>(
      "SELECT details FROM audit_event WHERE action = 'user.activate' AND outcome = 'denied' AND details->>'reason' = 'unknown-token'",
    );
    expect(denied.length).toBeGreaterThanOrEqual(4);
  });

  it("lets exactly one of several parallel acceptances of one link win", async () => {
    const { userId, token } = await invited();
    const passwords = ["first parallel passphrase", "second parallel passphrase", "third parallel passphrase", "fourth parallel passphrase"];
    const results = await Promise.all(passwords.map((p) => activate(token, p)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(Array(3).fill({ ok: false, message: INVALID_LINK }));
    const winner = passwords[results.findIndex((r) => r.ok)]!;
    const email = (results.find((r) => r.ok) as { email: string }).email;
    const losers = passwords.filter((p) => p !== winner);
    expect(await passwordSignIn({ email, password: winner, portal: "staff" }, request())).toMatchObject({ ok: true });
    for (const p of losers) expect(await passwordSignIn({ email, password: p, portal: "staff" }, request("198.51.100.9"))).toMatchObject({ ok: false });
    expect((await activationEvents(userId)).map((e) => e.outcome).sort()).toEqual(["allowed", "denied", "denied", "denied"]);
  });

  it("ignores a role or account id smuggled into the activation form", async () => {
    const { userId, token } = await invited("auditor");
    expect(await activate(token, NEW_PASSWORD, { role: "admin", userId: admin.id, disabledAt: null })).toMatchObject({ ok: true });
    expect((await account(userId)).role).toBe("auditor");
    expect((await account(admin.id)).role).toBe("admin");
  });

  it("treats an administrator's disabling of the invited account as withdrawing the invitation", async () => {
    const { userId, token } = await invited();
    await new Promise((r) => setTimeout(r, 5));
    await setAccountStatus(actorOf(admin), { userId, status: "active" });
    await setAccountStatus(actorOf(admin), { userId, status: "disabled" });
    const before = await account(userId);
    expect(await activate(token)).toEqual({ ok: false, message: INVALID_LINK });
    expect(await account(userId)).toEqual(before);
    expect((await activationEvents(userId)).map((e) => e.details.reason)).toEqual(["withdrawn"]);
  });

  it("lets the administrator send a new link (the old one stops working) or withdraw it, and only for accounts never activated", async () => {
    const { email, userId, token } = await invited();
    expect((await pendingInvitations(actorOf(admin))).has(userId)).toBe(true);
    smtp.received.splice(0, smtp.received.length);
    expect(await resendInvitation(actorOf(admin), { userId })).toEqual({ delivery: { via: "smtp" }, link: null });
    const fresh = tokenOf(linkIn(await smtp.next(email), "/activate/"));
    expect(await activate(token)).toEqual({ ok: false, message: INVALID_LINK });
    await withdrawInvitation(actorOf(admin), { userId });
    expect((await pendingInvitations(actorOf(admin))).has(userId)).toBe(false);
    expect(await activate(fresh)).toEqual({ ok: false, message: INVALID_LINK });
    expect((await account(userId)).disabled_at).not.toBeNull();
    const actions = await adminQuery<{ action: string }>("SELECT action FROM audit_event WHERE resource_id = $1 AND action LIKE 'user.invite%' ORDER BY seq", [userId]);
    expect(actions.map((a) => a.action)).toEqual(["user.invite", "user.invite_resend", "user.invite_withdraw"]);

    // An active account is not an invitation: no new link for it, and a clinician may not ask.
    const active = await makeUser("clinician");
    await expect(resendInvitation(actorOf(admin), { userId: active.id })).rejects.toBeInstanceOf(NotFound);
    await expect(withdrawInvitation(actorOf(active), { userId })).rejects.toBeInstanceOf(AccessDenied);
  });

  it("never takes an activated account for an invitation, even disabled with every session purged by retention", async () => {
    const { email, userId, token } = await invited();
    expect(await activate(token)).toMatchObject({ ok: true });
    await passwordSignIn({ email, password: NEW_PASSWORD, portal: "staff" }, request());
    expect(await adminQuery("SELECT 1 FROM auth_session WHERE user_id = $1", [userId])).toHaveLength(1);
    await setAccountStatus(actorOf(admin), { userId, status: "disabled" });
    // What the sessions retention category does after its period: no session row is left.
    await adminQuery("DELETE FROM auth_session WHERE user_id = $1", [userId]);
    const before = await account(userId);
    await expect(resendInvitation(actorOf(admin), { userId })).rejects.toBeInstanceOf(NotFound);
    await expect(withdrawInvitation(actorOf(admin), { userId })).rejects.toBeInstanceOf(NotFound);
    expect(await account(userId)).toEqual(before);
    const [review] = await adminQuery<{ activated_at: Date | null }>("SELECT activated_at FROM app_user WHERE id = $1", [userId]);
    expect(review!.activated_at).not.toBeNull();
    // Nor can an administrator's context over raw SQL make it one again.
    await expect(asRuntimeRole("UPDATE app_user SET activated_at = NULL WHERE id = $1", [userId], { role: "admin", actorId: admin.id })).rejects.toThrow(/nothing else/);
  });

  it("puts a new administrator before the auditors as a privilege change", async () => {
    const { userId } = await invited("admin");
    const alerts = await adminQuery<{ kind: string; actor_id: string; details: Record<string, unknown> }>(
      "SELECT kind, actor_id::text, details FROM alert WHERE details->>'userId' = $1",
      [userId],
    );
    expect(alerts).toEqual([{ kind: "privilege_change", actor_id: admin.id, details: { change: "admin-invited", userId } }]);
  });

  it("refuses a clinician who calls the invitation, records it, and creates nothing", async () => {
    const clinician = await makeUser("clinician");
    const email = newAddress();
    const users = async () => (await adminQuery<{ n: string }>("SELECT count(*)::text AS n FROM app_user"))[0]!.n;
    const before = await users();
    await expect(inviteStaff(actorOf(clinician), { email, displayName: "Mallory", role: "admin" })).rejects.toBeInstanceOf(AccessDenied);
    const denied = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND details->>'permission' = 'users.manage'", [clinician.id]);
    expect(denied).toHaveLength(1);
    expect(await users()).toBe(before);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.to(email)).toHaveLength(0);
  });

  it("refuses an address that already has an account", async () => {
    const existing = await makeUser("clinician");
    await expect(inviteStaff(actorOf(admin), { email: existing.email.toUpperCase(), displayName: "Again", role: "clinician" })).rejects.toBeInstanceOf(Conflict);
  });
});

describe("delivery without SMTP_URL", () => {
  const saved = { ...process.env };
  const restore = () => {
    for (const key of ["SMTP_URL", "CUSTODIA_ENV", "PUBLIC_ORIGIN", "CUSTODIA_DATA_DIR"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  };

  it("outside production writes the message to the outbox folder under the data dir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "custodia-outbox-"));
    try {
      delete process.env.SMTP_URL;
      process.env.CUSTODIA_DATA_DIR = dataDir;
      const email = newAddress();
      const invitation = await inviteStaff(actorOf(admin), { email, displayName: "Olga Outbox", role: "clinician" });
      expect(invitation).toMatchObject({ delivery: { via: "outbox" }, link: null });
      const files = (await readdir(join(dataDir, "outbox"))).sort();
      expect(files.map((f) => f.slice(f.lastIndexOf(".")))).toEqual([".eml", ".json"]);
      const json = JSON.parse(await readFile(join(dataDir, "outbox", files[1]!), "utf8")) as { to: string; text: string };
      expect(json.to).toBe(email);
      expect(await activate(tokenOf(/http\S+\/activate\/\S+/.exec(json.text)![0]))).toMatchObject({ ok: true });
    } finally {
      restore();
    }
  });

  it("has no mailbox page in production", async () => {
    try {
      process.env.CUSTODIA_ENV = "production";
      await expect(MailboxPage()).rejects.toThrow(/404|NOT_FOUND/);
    } finally {
      restore();
    }
  });

  it("in production refuses to send, says so, and hands the administrator the link once", async () => {
    try {
      delete process.env.SMTP_URL;
      process.env.CUSTODIA_ENV = "production";
      process.env.PUBLIC_ORIGIN = "https://portal.hospital.test";
      const invitation = await inviteStaff(actorOf(admin), { email: newAddress(), displayName: "Paula Production", role: "auditor" });
      expect(invitation.delivery).toEqual({ via: "none", reason: NO_MAIL_IN_PRODUCTION });
      expect(invitation.link).toMatch(/^https:\/\/portal\.hospital\.test\/activate\/[A-Za-z0-9_-]{43}$/);
      restore();
      expect(await activate(tokenOf(invitation.link!))).toMatchObject({ ok: true });
    } finally {
      restore();
    }
  });
});
