import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import type { Actor } from "@/lib/access/actor";
import { NotFound } from "@/lib/access/errors";
import { beginEnrollment, confirmEnrollment, verifySecondFactor } from "@/lib/auth/mfa";
import { checkSession, revokeSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { purposeTexts } from "@/lib/consent/purposes";
import { breakGlass } from "@/lib/services/break-glass";
import { addRecord, amendRecord, getChart } from "@/lib/services/chart";
import { grantConsent, withdrawConsent } from "@/lib/services/consent";
import { submitRequest } from "@/lib/services/data-requests";
import { listMyPatients, searchPatients } from "@/lib/services/patient-search";
import { searchAuditEvents } from "@/lib/services/audit-log";
import { myAccessLog } from "@/lib/services/access-log";
import { listAlerts } from "@/lib/services/alerts";
import { signOutOtherSessions } from "@/lib/services/my-security";
import { decidedRequests, requestQueue } from "@/lib/services/request-decisions";
import { researchDataset } from "@/lib/services/research";
import { adminQuery } from "./helpers/db";
import { identity, makeCareTeam, makeUser, PASSWORD, request } from "./helpers/fixtures";

async function eventsSince(seq: number) {
  return adminQuery<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_event WHERE seq > $1 ORDER BY seq", [seq]);
}
async function lastSeq(): Promise<number> {
  return Number((await adminQuery<{ s: string | null }>("SELECT max(seq)::text AS s FROM audit_event"))[0]!.s ?? 0);
}

async function signedIn(email: string, role: "clinician" | "patient" | "auditor" | "admin", secret: string | null): Promise<Actor> {
  const result = await passwordSignIn({ email, password: PASSWORD, portal: role === "patient" ? "patient" : "staff" }, request());
  if (!result.ok) throw new Error("sign-in failed");
  if (secret) await verifySecondFactor(result.sessionId, await generate({ secret }), request());
  const check = await checkSession(result.sessionId, request());
  if (check.status !== "active") throw new Error("session not active");
  return check.actor;
}

describe("audit completeness", () => {
  it("a clinician, patient and auditor journey writes exactly the expected events, in order", async () => {
    const clinicianUser = await makeUser("clinician");
    const outsiderUser = await makeUser("clinician");
    const patientUser = await makeUser("patient", { patient: identity({ mrn: "COMPLETE-1" }) });
    const auditorUser = await makeUser("auditor");
    await makeCareTeam([clinicianUser.id], [patientUser.patientId!]);
    const start = await lastSeq();

    const clinician = await signedIn(clinicianUser.email, "clinician", clinicianUser.totpSecret);
    await listMyPatients(clinician);
    await searchPatients(clinician, { by: "mrn", mrn: "COMPLETE-1" });
    await getChart(clinician, patientUser.patientId!);
    const entry = await addRecord(clinician, { patientId: patientUser.patientId!, content: { kind: "note", date: "2026-04-01", title: "t", text: "x" } });
    await amendRecord(clinician, { patientId: patientUser.patientId!, entryId: entry, content: { kind: "note", date: "2026-04-01", title: "t", text: "y" }, amendReason: "Corrected after review" });
    await revokeSession(clinician.sessionId!, "sign-out", request());

    const outsider = await signedIn(outsiderUser.email, "clinician", outsiderUser.totpSecret);
    await expect(getChart(outsider, patientUser.patientId!)).rejects.toBeInstanceOf(NotFound);
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 100));
    await breakGlass(outsider, { mrn: "COMPLETE-1", reason: "Emergency admission, team unreachable", code: await generate({ secret: outsiderUser.totpSecret! }) });
    await getChart(outsider, patientUser.patientId!);

    const patient = await signedIn(patientUser.email, "patient", null);
    await grantConsent(patient, { purpose: "research", textVersion: purposeTexts.research.version });
    await withdrawConsent(patient, { purpose: "research", textVersion: purposeTexts.research.version });
    await submitRequest(patient, { kind: "restriction", reason: "complete audit" });

    const auditor = await signedIn(auditorUser.email, "auditor", auditorUser.totpSecret);
    await searchAuditEvents(auditor, { action: "chart.read" });

    const events = (await eventsSince(start)).map((e) => `${e.action}:${e.outcome}`);
    expect(events).toEqual([
      "auth.sign_in:allowed",
      "auth.mfa:allowed",
      "patient.list:allowed",
      "patient.search:allowed",
      "patient.search.query:allowed",
      "chart.read:allowed",
      "record.create:allowed",
      "record.amend:allowed",
      "auth.sign_out:allowed",
      "auth.sign_in:allowed",
      "auth.mfa:allowed",
      "access.denied:denied",
      "break_glass.grant:allowed",
      "chart.read:allowed",
      "auth.sign_in:allowed",
      "consent.grant:allowed",
      "consent.withdraw:allowed",
      "request.submit:allowed",
      "auth.sign_in:allowed",
      "auth.mfa:allowed",
      "audit.read:allowed",
    ]);
  }, 90_000);

  it("an admin and auditor journey writes exactly the expected events", async () => {
    const adminUser = await makeUser("admin");
    const auditorUser = await makeUser("auditor");
    const patientUser = await makeUser("patient");
    const start = await lastSeq();

    const admin = await signedIn(adminUser.email, "admin", adminUser.totpSecret);
    await requestQueue(admin);
    await decidedRequests(admin, {});

    const auditor = await signedIn(auditorUser.email, "auditor", auditorUser.totpSecret);
    await listAlerts(auditor);

    const patient = await signedIn(patientUser.email, "patient", null);
    await myAccessLog(patient);
    const challenge = await beginEnrollment(patient.sessionId!, request());
    const right = await generate({ secret: challenge!.secret });
    expect(await confirmEnrollment(patient.sessionId!, right === "000000" ? "111111" : "000000", request())).toEqual({ ok: false, reason: "invalid" });
    expect((await confirmEnrollment(patient.sessionId!, right, request())).ok).toBe(true);
    const elsewhere = await passwordSignIn({ email: patientUser.email, password: PASSWORD, portal: "patient" }, request());
    if (!elsewhere.ok) throw new Error("sign-in failed");
    expect(await signOutOtherSessions(patient)).toBe(1);

    await researchDataset(request());

    const who = new Map([[adminUser.id, "admin"], [auditorUser.id, "auditor"], [patientUser.id, "patient"]]);
    const events = await adminQuery<{ action: string; outcome: string; actor_id: string | null }>(
      "SELECT action, outcome, actor_id::text FROM audit_event WHERE seq > $1 ORDER BY seq",
      [start],
    );
    expect(events.map((e) => `${e.actor_id ? who.get(e.actor_id) : "system"} ${e.action}:${e.outcome}`)).toEqual([
      "admin auth.sign_in:allowed",
      "admin auth.mfa:allowed",
      "admin request.queue_read:allowed",
      "admin request.history_read:allowed",
      "auditor auth.sign_in:allowed",
      "auditor auth.mfa:allowed",
      "auditor alert.list:allowed",
      "patient auth.sign_in:allowed",
      "patient self.access_log.read:allowed",
      "patient auth.mfa_enrol:denied",
      "patient auth.mfa_enrol:allowed",
      "patient auth.sign_in:allowed",
      "patient auth.sessions_revoked:allowed",
      "system research.dataset:allowed",
    ]);
  }, 90_000);
});
