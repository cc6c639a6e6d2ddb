import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { AccessDenied, Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { INVALID_LINK } from "@/lib/auth/account-tokens";
import { beginEnrollment, confirmEnrollment, verifySecondFactor } from "@/lib/auth/mfa";
import { checkSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { generate } from "otplib";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { getChart } from "@/lib/services/chart";
import { activateAccount } from "@/lib/services/invitations";
import { ACTIVATION_SPENT, activatePatientAccount, EMAIL_TAKEN, registerAndInvitePatient, WRONG_BIRTH_DATE } from "@/lib/services/patient-onboarding";
import { myRecord } from "@/lib/services/my-record";
import { LINK_ONLY_FOR_REGISTRANT, patientInvitationStatus, resendPatientInvitation, withdrawPatientInvitation } from "@/lib/services/patient-invitations";
import { regenerateRecoveryCodes } from "@/lib/services/my-recovery-codes";
import { describeError } from "@/lib/http/errors";
import { registerPatientSchema } from "@/lib/validation/patient-registration";
import { adminQuery } from "./helpers/db";
import { burst, wrongCodes } from "./helpers/concurrency";
import { actorOf, makeCareTeam, makeUser, PASSWORD as FIXTURE_PASSWORD, request, type TestUser } from "./helpers/fixtures";
import { linkIn, startSmtpServer, tokenOf } from "./helpers/smtp";

const PASSWORD = "quiet orchard beyond the river";
const BIRTH = "1975-06-14";
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let clinician: TestUser;
let outsider: TestUser;
let teamId: string;
let otherTeamId: string;
let seq = 0;

beforeAll(async () => {
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  clinician = await makeUser("clinician");
  outsider = await makeUser("clinician");
  teamId = await makeCareTeam([clinician.id], []);
  otherTeamId = await makeCareTeam([outsider.id], []);
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  delete process.env.PATIENT_MFA;
  await smtp.close();
});

const newAddress = () => `patient-${process.pid}-${++seq}@home.test`;
const details = (email: string, extra: Record<string, unknown> = {}) => ({
  givenName: "Amelia",
  familyName: "Okafor-Lindqvist",
  birthDate: BIRTH,
  sex: "female",
  phone: "+44 20 7946 0958",
  email,
  ...extra,
});

async function registered(extra: Record<string, unknown> = {}) {
  const email = newAddress();
  const registration = await registerAndInvitePatient(actorOf(clinician), details(email, extra));
  const mail = await smtp.next(email);
  return { email, registration, mail, token: tokenOf(linkIn(mail, "/activate/patient/")) };
}

const activate = (token: string, birthDate = BIRTH, password = PASSWORD, ip = "203.0.113.7") =>
  activatePatientAccount({ token, birthDate, newPassword: password, confirmPassword: password }, request(ip));

async function accountOf(patientId: string) {
  const [row] = await adminQuery<{ id: string; role: string; password_hash: string; disabled_at: Date | null }>(
    "SELECT id::text, role, password_hash, disabled_at FROM app_user WHERE patient_id = $1",
    [patientId],
  );
  return row!;
}

async function activationEvents(userId: string) {
  return adminQuery<{ outcome: string; details: { reason?: string } }>(
    "SELECT outcome, details FROM audit_event WHERE action = 'user.activate' AND actor_id = $1 ORDER BY seq",
    [userId],
  );
}

describe("a clinician registers a patient", () => {
  it("stores the identity encrypted in their own care team, invites by SMTP, and the chart opens for the team", async () => {
    const { email, registration, mail, token } = await registered();
    expect(registration).toMatchObject({ delivery: { via: "smtp" }, link: null, mrn: expect.stringMatching(/^MRN-\d{6}$/) });
    expect(mail.subject).toBe("Your Custodia patient portal");
    expect(mail.text).not.toContain(BIRTH);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const chart = await getChart(actorOf(clinician), registration.patientId);
    expect(chart.identity).toMatchObject({ givenName: "Amelia", familyName: "Okafor-Lindqvist", birthDate: BIRTH, mrn: registration.mrn, phone: "+442079460958", email });
    // Nothing typed is stored in plaintext.
    const [row] = await adminQuery("SELECT * FROM patient_identity WHERE patient_id = $1", [registration.patientId]);
    expect(JSON.stringify(row)).not.toMatch(/Amelia|Okafor|1975-06-14|7946/);
    const [event] = await adminQuery<{ actor_id: string; actor_role: string; details: Record<string, unknown> }>(
      "SELECT actor_id::text, actor_role, details FROM audit_event WHERE action = 'patient.register' AND resource_id = $1",
      [(await accountOf(registration.patientId)).id],
    );
    expect(event).toEqual({ actor_id: clinician.id, actor_role: "clinician", details: { teamId, mrnGenerated: true } });
    // The account cannot sign in before activation.
    expect(await passwordSignIn({ email, password: PASSWORD, portal: "patient" }, request())).toEqual({ ok: false, reason: "invalid" });
  });

  it("keeps a typed MRN in the hospital's form and refuses one already taken, next to the field", async () => {
    const { registration } = await registered({ mrn: "mrn 40 12 77" });
    expect(registration.mrn).toBe("MRN-401277");
    const again = registerAndInvitePatient(actorOf(clinician), details(newAddress(), { mrn: "401277" }));
    await expect(again).rejects.toMatchObject({ fieldErrors: { mrn: [expect.stringMatching(/already registered/)] } });
    const refusal = await adminQuery<{ outcome: string; patient_pseudonym: string | null }>(
      "SELECT outcome, patient_pseudonym FROM audit_event WHERE action = 'patient.register' AND actor_id = $1 AND details->>'reason' = 'mrn-taken'",
      [clinician.id],
    );
    expect(refusal).toEqual([{ outcome: "denied", patient_pseudonym: pseudonym(registration.patientId) }]);
  });

  it("answers an e-mail address already in use without saying whose, audits the refusal, writes and sends nothing", async () => {
    const staff = await makeUser("auditor");
    const { email, registration } = await registered();
    const patientAccount = (await accountOf(registration.patientId)).id;
    const count = async () => (await adminQuery<{ n: number }>("SELECT (SELECT count(*) FROM patient) + (SELECT count(*) FROM app_user) AS n"))[0]!.n;
    const before = await count();
    for (const taken of [email, staff.email]) {
      await expect(registerAndInvitePatient(actorOf(clinician), details(taken))).rejects.toMatchObject({ fieldErrors: { email: [EMAIL_TAKEN] } });
    }
    expect(await count()).toBe(before);
    const refusals = await adminQuery<{ outcome: string; resource_id: string; details: unknown }>(
      "SELECT outcome, resource_id, details FROM audit_event WHERE action = 'patient.register' AND actor_id = $1 AND details->>'reason' = 'email-taken' ORDER BY seq",
      [clinician.id],
    );
    expect(refusals).toEqual([
      { outcome: "denied", resource_id: patientAccount, details: { reason: "email-taken" } },
      { outcome: "denied", resource_id: staff.id, details: { reason: "email-taken" } },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.to(email)).toHaveLength(1);
    expect(smtp.to(staff.email)).toHaveLength(0);
  });

  it("refuses bad identity fields with plain messages and registers nothing", async () => {
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const bad = registerPatientSchema.safeParse(details("not-an-address", { givenName: "", familyName: "R0bert;DROP", birthDate: tomorrow, phone: "020 7946 0958", mrn: "ABC" }));
    expect(bad.success).toBe(false);
    const errors = bad.error!.flatten().fieldErrors;
    expect(errors).toMatchObject({
      givenName: ["Enter the given name"],
      familyName: [expect.stringMatching(/letters, spaces, hyphens/)],
      birthDate: ["The birth date cannot be in the future"],
      phone: [expect.stringMatching(/international form/)],
      mrn: [expect.stringMatching(/MRN- and 6 digits/)],
      email: [expect.stringMatching(/valid e-mail/)],
    });
    const count = async () => (await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM patient"))[0]!.n;
    const before = await count();
    const refused = await registerAndInvitePatient(actorOf(clinician), details("x@y", { birthDate: tomorrow })).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ZodError);
    expect((refused as ZodError).flatten().fieldErrors).toEqual({
      birthDate: ["The birth date cannot be in the future"],
      email: [expect.stringMatching(/valid e-mail/)],
    });
    expect(await count()).toBe(before);
  });

  it("registers only into the clinician's own team: another team's id is refused as not found, logged, and nothing is written", async () => {
    const email = newAddress();
    const count = async () =>
      (await adminQuery<{ n: number }>("SELECT (SELECT count(*) FROM care_team_patient) + (SELECT count(*) FROM app_user) + (SELECT count(*) FROM patient) AS n"))[0]!.n;
    const before = await count();
    await expect(registerAndInvitePatient(actorOf(clinician), details(email, { teamId: otherTeamId }))).rejects.toBeInstanceOf(NotFound);
    expect(await count()).toBe(before);
    const denied = await adminQuery(
      "SELECT 1 FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND resource_id = $2 AND details->>'permission' = 'patients.register'",
      [clinician.id, otherTeamId],
    );
    expect(denied).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.to(email)).toHaveLength(0);
  });

  it("refuses administrators and auditors (they do not handle PHI) and records the attempt", async () => {
    for (const role of ["admin", "auditor"] as const) {
      const user = await makeUser(role);
      await expect(registerAndInvitePatient(actorOf(user), details(newAddress()))).rejects.toBeInstanceOf(AccessDenied);
      expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND details->>'permission' = 'patients.register'", [user.id])).toHaveLength(1);
    }
  });

  it("in production without SMTP_URL sends nothing and hands the clinician the link once", async () => {
    const saved = { smtp: process.env.SMTP_URL, env: process.env.CUSTODIA_ENV, origin: process.env.PUBLIC_ORIGIN };
    try {
      delete process.env.SMTP_URL;
      process.env.CUSTODIA_ENV = "production";
      process.env.PUBLIC_ORIGIN = "https://portal.hospital.test";
      const registration = await registerAndInvitePatient(actorOf(clinician), details(newAddress()));
      expect(registration.delivery).toMatchObject({ via: "none" });
      expect(registration.link).toMatch(/^https:\/\/portal\.hospital\.test\/activate\/patient\/[A-Za-z0-9_-]{43}$/);
    } finally {
      process.env.SMTP_URL = saved.smtp;
      if (saved.env === undefined) delete process.env.CUSTODIA_ENV;
      else process.env.CUSTODIA_ENV = saved.env;
      if (saved.origin === undefined) delete process.env.PUBLIC_ORIGIN;
      else process.env.PUBLIC_ORIGIN = saved.origin;
    }
  });

  it("tells a clinician with several teams to choose one", async () => {
    const busy = await makeUser("clinician");
    await makeCareTeam([busy.id], []);
    await makeCareTeam([busy.id], []);
    await expect(registerAndInvitePatient(actorOf(busy), details(newAddress()))).rejects.toBeInstanceOf(InvalidInput);
  });
});

describe("the patient activates with the invitation and their birth date", () => {
  it("opens the account, signs in at the patient portal and sees their own record", async () => {
    const { email, registration, token } = await registered();
    expect(await activate(token)).toMatchObject({ ok: true, email });
    const signIn = await passwordSignIn({ email, password: PASSWORD, portal: "patient" }, request());
    if (!signIn.ok) throw new Error("sign-in failed");
    const check = await checkSession(signIn.sessionId, request());
    if (check.status !== "active") throw new Error(`expected an active session, got ${check.status}`);
    expect(check.actor.patientId).toBe(registration.patientId);
    expect((await myRecord(check.actor)).identity.mrn).toBe(registration.mrn);
  });

  it("counts a wrong birth date as a failed attempt, changes nothing, and leaves the link usable", async () => {
    const { registration, token } = await registered();
    const before = await accountOf(registration.patientId);
    expect(await activate(token, "1975-06-15")).toEqual({ ok: false, field: "birthDate", message: WRONG_BIRTH_DATE });
    expect(await accountOf(registration.patientId)).toEqual(before);
    expect((await activationEvents(before.id)).map((e) => e.details.reason)).toEqual(["wrong-birth-date"]);
    expect(await activate(token)).toMatchObject({ ok: true });
  });

  it("locks activation and spends the link after five wrong birth dates fired in parallel; even the right one is refused then", async () => {
    const { registration, token } = await registered();
    const { id } = await accountOf(registration.patientId);
    const guesses = Array.from({ length: 12 }, (_, i) => `1975-01-${String(i + 1).padStart(2, "0")}`);
    const results = await burst(`activate:${id}`, guesses.length, (i) => activate(token, guesses[i]!, PASSWORD, `198.51.100.${i + 1}`));
    const answers = results.map((r) => (r.status === "fulfilled" ? r.value : r.reason));
    expect(answers.filter((a) => a.ok)).toHaveLength(0);
    expect(answers.filter((a) => a.message === WRONG_BIRTH_DATE)).toHaveLength(4);
    expect(answers.filter((a) => a.message === ACTIVATION_SPENT)).toHaveLength(1);
    expect(answers.filter((a) => a.message === INVALID_LINK)).toHaveLength(7);
    expect(await activate(token, BIRTH, PASSWORD, "198.51.100.200")).toEqual({ ok: false, message: INVALID_LINK });
    expect((await accountOf(registration.patientId)).disabled_at).not.toBeNull();
    const lockouts = await adminQuery("SELECT 1 FROM audit_event WHERE action = 'auth.lockout' AND actor_id = $1 AND details->>'step' = 'activation'", [id]);
    expect(lockouts).toHaveLength(1);
  });

  it("spends the link after five wrong birth dates in all, across lockout windows, and audits every refused attempt", async () => {
    const { registration, token } = await registered();
    const { id } = await accountOf(registration.patientId);
    const wrong = (day: number, ip: string) => activate(token, `1980-02-${String(day).padStart(2, "0")}`, PASSWORD, ip);
    // Real parallel requests, without any lock held by the test: three wrong dates at once.
    const messageOf = (a: Awaited<ReturnType<typeof activate>>) => (a.ok ? "activated" : a.message);
    const first = (await Promise.all([1, 2, 3].map((d) => wrong(d, `192.0.2.${d}`)))).map(messageOf);
    expect(first).toEqual(Array(3).fill(WRONG_BIRTH_DATE));
    // The lockout window ends (its counters restart); the link's own count does not.
    await adminQuery("DELETE FROM login_throttle WHERE key LIKE 'activate:%' OR key LIKE 'addr:192.0.2.%'");
    const second = (await Promise.all([4, 5, 6, 7, 8].map((d) => wrong(d, `192.0.2.${d}`)))).map(messageOf);
    expect(second.filter((m) => m === WRONG_BIRTH_DATE)).toHaveLength(1);
    expect(second.filter((m) => m === ACTIVATION_SPENT)).toHaveLength(1);
    expect(second.filter((m) => m === INVALID_LINK)).toHaveLength(3);
    // The right birth date after the window: the link is spent for good, the account stays closed.
    await adminQuery("DELETE FROM login_throttle WHERE key LIKE 'activate:%'");
    expect(await activate(token, BIRTH, PASSWORD, "192.0.2.100")).toEqual({ ok: false, message: INVALID_LINK });
    expect((await accountOf(registration.patientId)).disabled_at).not.toBeNull();
    const events = await activationEvents(id);
    expect(events.every((e) => e.outcome === "denied")).toBe(true);
    expect(events.filter((e) => e.details.reason === "wrong-birth-date").map((e) => (e.details as { failedProofs: number }).failedProofs)).toEqual([1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.details.reason === "used")).toHaveLength(4);
    const [tokenRow] = await adminQuery<{ failed_proofs: number; used: boolean }>("SELECT failed_proofs, used_at IS NOT NULL AS used FROM account_token WHERE user_id = $1", [id]);
    expect(tokenRow).toEqual({ failed_proofs: 5, used: true });
  });

  it("refuses a tampered, expired or reused link with one message and records it", async () => {
    const { registration, token } = await registered();
    const { id } = await accountOf(registration.patientId);
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect(await activate(flipped)).toEqual({ ok: false, message: INVALID_LINK });
    expect(await activate(token)).toMatchObject({ ok: true });
    expect(await activate(token, BIRTH, "another long passphrase")).toEqual({ ok: false, message: INVALID_LINK });

    const expired = await registered();
    const expiredId = (await accountOf(expired.registration.patientId)).id;
    await adminQuery("UPDATE account_token SET created_at = now() - interval '73 hours', expires_at = now() - interval '1 hour' WHERE user_id = $1", [expiredId]);
    expect(await activate(expired.token)).toEqual({ ok: false, message: INVALID_LINK });
    expect((await accountOf(expired.registration.patientId)).disabled_at).not.toBeNull();
    expect((await activationEvents(id)).map((e) => e.details.reason ?? e.outcome)).toEqual(["allowed", "used"]);
    expect((await activationEvents(expiredId)).map((e) => e.details.reason)).toEqual(["expired"]);
  });

  it("does not open through the staff activation page, which asks no birth date", async () => {
    const { registration, token } = await registered();
    const before = await accountOf(registration.patientId);
    expect(await activateAccount({ token, newPassword: PASSWORD, confirmPassword: PASSWORD }, request())).toEqual({ ok: false, message: INVALID_LINK });
    expect(await accountOf(registration.patientId)).toEqual(before);
    expect((await activationEvents(before.id)).map((e) => e.details.reason)).toEqual(["wrong-account-kind"]);
  });

  it("lets exactly one of several parallel activations win", async () => {
    const { email, token } = await registered();
    const passwords = ["first parallel passphrase", "second parallel passphrase", "third parallel passphrase", "fourth parallel passphrase"];
    const results = await Promise.all(passwords.map((p) => activate(token, BIRTH, p)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(Array(3).fill({ ok: false, message: INVALID_LINK }));
    const winner = passwords[results.findIndex((r) => r.ok)]!;
    expect(await passwordSignIn({ email, password: winner, portal: "patient" }, request())).toMatchObject({ ok: true });
  });
});

describe("the care team resends or withdraws a patient's invitation", () => {
  /** The newest message for the address once `count` have arrived (smtp.next answers with the first). */
  async function nthMail(email: string, count: number) {
    for (let waited = 0; smtp.to(email).length < count; waited += 50) {
      if (waited > 10_000) throw new Error(`no message number ${count} for ${email}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return smtp.to(email)[count - 1]!;
  }
  const invitationEvents = (userId: string) =>
    adminQuery<{ action: string; actor_id: string }>("SELECT action, actor_id::text FROM audit_event WHERE action LIKE 'patient.invite_%' AND resource_id = $1 ORDER BY seq", [userId]);

  it("resends: the old link is dead, even after wrong birth dates the new one activates; audited", async () => {
    const { email, registration, token } = await registered();
    const { id } = await accountOf(registration.patientId);
    expect(await activate(token, "1975-06-15")).toMatchObject({ message: WRONG_BIRTH_DATE });
    expect(await patientInvitationStatus(actorOf(clinician), registration.patientId)).toMatchObject({ state: "pending" });
    expect(await resendPatientInvitation(actorOf(clinician), { patientId: registration.patientId })).toMatchObject({ delivery: { via: "smtp" }, link: null });
    const fresh = tokenOf(linkIn(await nthMail(email, 2), "/activate/patient/"));
    expect(fresh).not.toBe(token);
    expect(await activate(token)).toEqual({ ok: false, message: INVALID_LINK });
    expect(await activate(fresh)).toMatchObject({ ok: true, email });
    expect(await patientInvitationStatus(actorOf(clinician), registration.patientId)).toEqual({ state: "none" });
    expect(await invitationEvents(id)).toEqual([{ action: "patient.invite_resend", actor_id: clinician.id }]);
  });

  it("withdraws: the link is dead and the account stays closed until a resend", async () => {
    const { email, registration, token } = await registered();
    const { id } = await accountOf(registration.patientId);
    await withdrawPatientInvitation(actorOf(clinician), { patientId: registration.patientId });
    expect(await patientInvitationStatus(actorOf(clinician), registration.patientId)).toEqual({ state: "not-activated" });
    expect(await activate(token)).toEqual({ ok: false, message: INVALID_LINK });
    expect((await accountOf(registration.patientId)).disabled_at).not.toBeNull();
    await resendPatientInvitation(actorOf(clinician), { patientId: registration.patientId });
    expect(await activate(tokenOf(linkIn(await nthMail(email, 2), "/activate/patient/")))).toMatchObject({ ok: true });
    expect((await invitationEvents(id)).map((e) => e.action)).toEqual(["patient.invite_withdraw", "patient.invite_resend"]);
  });

  it("refuses a clinician outside the team (not found) and an administrator (denied), logs both, sends nothing; an activated account has no invitation", async () => {
    const { email, registration, token } = await registered();
    const { id } = await accountOf(registration.patientId);
    const admin = await makeUser("admin");
    await expect(resendPatientInvitation(actorOf(outsider), { patientId: registration.patientId })).rejects.toBeInstanceOf(NotFound);
    await expect(withdrawPatientInvitation(actorOf(outsider), { patientId: registration.patientId })).rejects.toBeInstanceOf(NotFound);
    await expect(resendPatientInvitation(actorOf(admin), { patientId: registration.patientId })).rejects.toBeInstanceOf(AccessDenied);
    const denied = await adminQuery<{ actor_id: string }>(
      "SELECT actor_id::text FROM audit_event WHERE action = 'access.denied' AND details->>'permission' = 'patients.register' AND actor_id IN ($1, $2)",
      [outsider.id, admin.id],
    );
    expect(denied.map((d) => d.actor_id).sort()).toEqual([outsider.id, outsider.id, admin.id].sort());
    expect(await invitationEvents(id)).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.to(email)).toHaveLength(1);
    // The original link was untouched by the refusals; once used, there is no invitation left to resend.
    expect(await activate(token)).toMatchObject({ ok: true });
    await expect(resendPatientInvitation(actorOf(clinician), { patientId: registration.patientId })).rejects.toBeInstanceOf(NotFound);
  });
});

describe("production without SMTP_URL: who may be handed a new invitation link", () => {
  it("only the clinician who registered the patient; a teammate is refused with a sentence, logged, and the old link still works", async () => {
    const teammate = await makeUser("clinician");
    await adminQuery("INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2)", [teamId, teammate.id]);
    const saved = { smtp: process.env.SMTP_URL, env: process.env.CUSTODIA_ENV, origin: process.env.PUBLIC_ORIGIN };
    try {
      delete process.env.SMTP_URL;
      process.env.CUSTODIA_ENV = "production";
      process.env.PUBLIC_ORIGIN = "https://portal.hospital.test";
      const registration = await registerAndInvitePatient(actorOf(clinician), details(newAddress()));
      const first = tokenOf(registration.link!);
      const { id } = await accountOf(registration.patientId);

      // The teammate sees the patient (same team) but is not handed a link: refused, recorded, nothing changed.
      const refusal = await resendPatientInvitation(actorOf(teammate), { patientId: registration.patientId }).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(AccessDenied);
      expect(describeError(refusal)).toEqual({ status: 403, message: LINK_ONLY_FOR_REGISTRANT });
      const denied = await adminQuery<{ patient_pseudonym: string }>(
        "SELECT patient_pseudonym FROM audit_event WHERE action = 'access.denied' AND outcome = 'denied' AND actor_id = $1 AND details->>'permission' = 'patients.invite_link'",
        [teammate.id],
      );
      expect(denied).toEqual([{ patient_pseudonym: pseudonym(registration.patientId) }]);
      expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'patient.invite_resend' AND resource_id = $1", [id])).toEqual([]);

      // The registrant is handed a new link; the first one is dead.
      const again = await resendPatientInvitation(actorOf(clinician), { patientId: registration.patientId });
      expect(again.delivery).toMatchObject({ via: "none" });
      const second = tokenOf(again.link!);
      expect(second).not.toBe(first);
      // The teammate is still refused after the registrant's resend (the first link's issuer decides).
      await expect(resendPatientInvitation(actorOf(teammate), { patientId: registration.patientId })).rejects.toBeInstanceOf(AccessDenied);
      expect(await activate(first)).toEqual({ ok: false, message: INVALID_LINK });
      expect(await activate(second)).toMatchObject({ ok: true });
    } finally {
      process.env.SMTP_URL = saved.smtp;
      if (saved.env === undefined) delete process.env.CUSTODIA_ENV;
      else process.env.CUSTODIA_ENV = saved.env;
      if (saved.origin === undefined) delete process.env.PUBLIC_ORIGIN;
      else process.env.PUBLIC_ORIGIN = saved.origin;
    }
  });

  it("with mail set up, any clinician of the team may resend: the link goes to the patient, not to them", async () => {
    const teammate = await makeUser("clinician");
    await adminQuery("INSERT INTO care_team_member (team_id, user_id) VALUES ($1, $2)", [teamId, teammate.id]);
    const { registration } = await registered();
    expect(await resendPatientInvitation(actorOf(teammate), { patientId: registration.patientId })).toMatchObject({ delivery: { via: "smtp" }, link: null });
  });
});

describe("PATIENT_MFA", () => {
  it("required: a signed-in patient without TOTP is sent to enrolment by the door, then gets recovery codes and in", async () => {
    process.env.PATIENT_MFA = "required";
    try {
      const { email, token } = await registered();
      expect(await activate(token)).toMatchObject({ ok: true });
      const signIn = await passwordSignIn({ email, password: PASSWORD, portal: "patient" }, request());
      if (!signIn.ok) throw new Error("sign-in failed");
      expect(await checkSession(signIn.sessionId, request())).toMatchObject({ status: "mfa", step: "enroll" });
      const challenge = await beginEnrollment(signIn.sessionId, request());
      const enrolled = await confirmEnrollment(signIn.sessionId, await generate({ secret: challenge!.secret }), request());
      expect(enrolled).toMatchObject({ ok: true, recoveryCodes: expect.arrayContaining([expect.stringMatching(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/)]) });
      expect(await checkSession(signIn.sessionId, request())).toMatchObject({ status: "active" });
    } finally {
      delete process.env.PATIENT_MFA;
    }
  });

  it("optional: the patient is in with the password alone", async () => {
    process.env.PATIENT_MFA = "optional";
    try {
      const { email, token } = await registered();
      await activate(token);
      const signIn = await passwordSignIn({ email, password: PASSWORD, portal: "patient" }, request());
      if (!signIn.ok) throw new Error("sign-in failed");
      expect(await checkSession(signIn.sessionId, request())).toMatchObject({ status: "active" });
    } finally {
      delete process.env.PATIENT_MFA;
    }
  });
});

describe("recovery codes on the account page", () => {
  const codeAt = (secret: string, offset: number) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset });

  it("makes a new set with a fresh TOTP code: the old set stops working, the new one signs in", async () => {
    const user = await makeUser("clinician");
    // Each time step's code works once: the previous step's code first, then the current one.
    const first = await regenerateRecoveryCodes(actorOf(user), { code: await codeAt(user.totpSecret!, -30) });
    const second = await regenerateRecoveryCodes(actorOf(user), { code: await codeAt(user.totpSecret!, 0) });
    expect(second).toHaveLength(10);
    expect(second).not.toContain(first[0]);
    const signIn = async () => {
      const s = await passwordSignIn({ email: user.email, password: FIXTURE_PASSWORD, portal: "staff" }, request());
      if (!s.ok) throw new Error("sign-in failed");
      return s.sessionId;
    };
    expect(await verifySecondFactor(await signIn(), first[0]!, request())).toEqual({ ok: false, reason: "invalid" });
    expect(await verifySecondFactor(await signIn(), second[0]!, request())).toEqual({ ok: true });
    const events = await adminQuery<{ outcome: string }>("SELECT outcome FROM audit_event WHERE action = 'auth.recovery_codes' AND actor_id = $1", [user.id]);
    expect(events.map((e) => e.outcome)).toEqual(["allowed", "allowed"]);
  });

  it("refuses a wrong code next to the field, records it, and keeps the current codes", async () => {
    const user = await makeUser("patient", { totp: true });
    const codes = await regenerateRecoveryCodes(actorOf(user), { code: await codeAt(user.totpSecret!, 0) });
    const [wrong] = await wrongCodes(user.totpSecret!, 1);
    await expect(regenerateRecoveryCodes(actorOf(user), { code: wrong })).rejects.toMatchObject({ fieldErrors: { code: [expect.stringMatching(/not correct/)] } });
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'auth.recovery_codes' AND outcome = 'denied' AND actor_id = $1", [user.id])).toHaveLength(1);
    const hashes = await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM recovery_code WHERE user_id = $1 AND used_at IS NULL", [user.id]);
    expect(hashes[0]!.n).toBe(codes.length);
  });

  it("has nothing to regenerate for an account without two-step verification", async () => {
    const user = await makeUser("patient", { totp: false });
    await expect(regenerateRecoveryCodes(actorOf(user), { code: "123456" })).rejects.toBeInstanceOf(Conflict);
  });
});
