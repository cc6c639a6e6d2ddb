import { beforeAll, describe, expect, it } from "vitest";
import { AccessDenied } from "@/lib/access/errors";
import { checkSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { accessReview, accessReviewCsv, disableDormantAccounts } from "@/lib/services/access-review";
import { inviteStaff } from "@/lib/services/invitations";
import { adminQuery } from "./helpers/db";
import { actorOf, makeCareTeam, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";

let admin: TestUser;
let auditor: TestUser;

beforeAll(async () => {
  admin = await makeUser("admin");
  auditor = await makeUser("auditor");
});

/** Moves an account's creation and completed sign-ins `days` into the past (what time would do). */
async function age(userId: string, days: number) {
  await adminQuery("UPDATE app_user SET created_at = now() - make_interval(days => $2) WHERE id = $1", [userId, days]);
  await adminQuery("UPDATE auth_session SET created_at = now() - make_interval(days => $2), mfa_verified_at = now() - make_interval(days => $2) WHERE user_id = $1", [userId, days]);
}

async function signedInPatient() {
  const patient = await makeUser("patient");
  const signIn = await passwordSignIn({ email: patient.email, password: PASSWORD, portal: "patient" }, request());
  if (!signIn.ok) throw new Error("sign-in failed");
  return { patient, sessionId: signIn.sessionId };
}

describe("access review", () => {
  it("lists every account with role, teams, MFA, last sign-in, dormant and never-activated; patients by pseudonym only", async () => {
    const clinician = await makeUser("clinician");
    const teamId = await makeCareTeam([clinician.id], []);
    const teamName = (await adminQuery<{ name: string }>("SELECT name FROM care_team WHERE id = $1", [teamId]))[0]!.name;
    const sleeper = await makeUser("clinician");
    await age(sleeper.id, 120);
    const { patient } = await signedInPatient();
    await age(patient.id, 30);
    const invited = await inviteStaff(actorOf(admin), { email: `new-${process.pid}@hospital.test`, displayName: "Nadia New", role: "auditor" });

    for (const reviewer of [admin, auditor]) {
      const { dormantDays, rows } = await accessReview(actorOf(reviewer));
      expect(dormantDays).toBe(90);
      const byId = new Map(rows.map((r) => [r.userId, r]));
      expect(byId.get(clinician.id)).toMatchObject({ role: "clinician", careTeams: [teamName], mfaEnrolled: true, lastSignInAt: null, status: "active", dormant: false, neverActivated: false });
      expect(byId.get(sleeper.id)).toMatchObject({ dormant: true, neverActivated: false });
      expect(byId.get(patient.id)).toMatchObject({ role: "patient", name: pseudonym(patient.patientId!), email: null, lastSignInAt: expect.any(String), dormant: false });
      expect(byId.get(invited.userId)).toMatchObject({ name: "Nadia New", status: "disabled", neverActivated: true, dormant: false });
      expect(JSON.stringify(rows)).not.toContain(patient.email);
    }
    const reads = await adminQuery<{ actor_role: string }>("SELECT actor_role FROM audit_event WHERE action = 'access_review.read' ORDER BY seq");
    expect(reads.map((r) => r.actor_role)).toEqual(["admin", "auditor"]);
  });

  it("exports the same rows as CSV, with formula-looking names neutralised", async () => {
    const sneaky = await inviteStaff(actorOf(admin), { email: `csv-${process.pid}@hospital.test`, displayName: "=HYPERLINK(\"http://evil\")", role: "clinician" });
    const { rows } = await accessReview(actorOf(auditor));
    const lines = accessReviewCsv(rows).trim().split(/\r?\n/);
    expect(lines[0]).toBe("userId,name,email,role,careTeams,mfaEnrolled,lastSignInAt,status,dormant,neverActivated");
    expect(lines).toHaveLength(rows.length + 1);
    const line = lines.find((l) => l.startsWith(sneaky.userId))!;
    expect(line).toContain("'=HYPERLINK");
    expect(line).toMatch(/,clinician,,false,,disabled,false,true$/);
  });

  it("is refused to clinicians and patients, and the attempt is recorded", async () => {
    const clinician = await makeUser("clinician");
    await expect(accessReview(actorOf(clinician))).rejects.toBeInstanceOf(AccessDenied);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 AND details->>'permission' = 'accessReview.read'", [clinician.id])).toHaveLength(1);
  });

  it("disables every dormant staff account with a reason: audited, sessions end at the next request, one privilege alert", async () => {
    const dormant = await makeUser("clinician");
    const staleAdmin = await makeUser("admin");
    const { patient: quietPatient, sessionId: patientSession } = await signedInPatient();
    const sleeperSession = await passwordSignIn({ email: dormant.email, password: PASSWORD, portal: "staff" }, request());
    if (!sleeperSession.ok) throw new Error("sign-in failed");
    await age(dormant.id, 200);
    await age(staleAdmin.id, 91);
    await age(quietPatient.id, 400);
    const reason = "Quarterly access review, Q4 2026";

    const { disabled } = await disableDormantAccounts(actorOf(admin), { reason });
    expect(disabled).toBeGreaterThanOrEqual(2);
    const status = async (id: string) => (await adminQuery<{ disabled_at: Date | null }>("SELECT disabled_at FROM app_user WHERE id = $1", [id]))[0]!.disabled_at;
    expect(await status(dormant.id)).not.toBeNull();
    expect(await status(staleAdmin.id)).not.toBeNull();
    expect(await status(quietPatient.id)).toBeNull();
    expect(await status(admin.id)).toBeNull();
    expect(await checkSession(sleeperSession.sessionId, request())).toEqual({ status: "invalid", reason: "user-changed" });
    expect(await checkSession(patientSession, request())).toMatchObject({ status: "active" });

    const [event] = await adminQuery<{ actor_id: string; details: Record<string, unknown> }>(
      "SELECT actor_id::text, details FROM audit_event WHERE action = 'user.disable' AND resource_id = $1",
      [dormant.id],
    );
    expect(event).toMatchObject({ actor_id: admin.id, details: { before: { status: "active" }, after: { status: "disabled" }, reason, dormantDays: 90 } });
    const alerts = await adminQuery<{ actor_id: string; severity: string; details: { change: string; userIds: string[]; reason?: string } }>(
      "SELECT actor_id::text, severity, details FROM alert WHERE kind = 'privilege_change' AND details->>'change' = 'dormant-disabled'",
    );
    expect(alerts).toHaveLength(1);
    // High, like every privilege change; the free-text reason stays in the audit log, out of what goes to the SIEM.
    expect(alerts[0]).toMatchObject({ actor_id: admin.id, severity: "high" });
    expect(alerts[0]!.details.reason).toBeUndefined();
    expect(alerts[0]!.details.userIds).toEqual(expect.arrayContaining([dormant.id, staleAdmin.id]));

    // Nothing left to sweep: a second click changes nothing and raises no second alert.
    expect(await disableDormantAccounts(actorOf(admin), { reason })).toEqual({ disabled: 0 });
  });

  it("refuses an auditor or a missing reason, and changes nothing", async () => {
    const dormant = await makeUser("clinician");
    await age(dormant.id, 100);
    await expect(disableDormantAccounts(actorOf(auditor), { reason: "looks stale to me" })).rejects.toBeInstanceOf(AccessDenied);
    await expect(disableDormantAccounts(actorOf(admin), { reason: "short" })).rejects.toThrow(/at least 10 characters/);
    expect((await adminQuery<{ disabled_at: Date | null }>("SELECT disabled_at FROM app_user WHERE id = $1", [dormant.id]))[0]!.disabled_at).toBeNull();
  });
});
