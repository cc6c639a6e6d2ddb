import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import type { Actor } from "@/lib/access/actor";
import { NotFound } from "@/lib/access/errors";
import { verifySecondFactor } from "@/lib/auth/mfa";
import { checkSession, revokeSession } from "@/lib/auth/sessions";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { purposeTexts } from "@/lib/consent/purposes";
import { breakGlass } from "@/lib/services/break-glass";
import { addRecord, amendRecord, getChart } from "@/lib/services/chart";
import { grantConsent, withdrawConsent } from "@/lib/services/consent";
import { submitRequest } from "@/lib/services/data-requests";
import { listMyPatients, searchPatients } from "@/lib/services/patient-search";
import { searchAuditEvents } from "@/lib/services/audit-log";
import { adminQuery } from "./helpers/db";
import { identity, makeCareTeam, makeUser, PASSWORD, request } from "./helpers/fixtures";

async function eventsSince(seq: number) {
  return adminQuery<{ action: string; outcome: string }>("SELECT action, outcome FROM audit_event WHERE seq > $1 ORDER BY seq", [seq]);
}
async function lastSeq(): Promise<number> {
  return Number((await adminQuery<{ s: string | null }>("SELECT max(seq)::text AS s FROM audit_event"))[0]!.s ?? 0);
}

async function signedIn(email: string, role: "clinician" | "patient" | "auditor", secret: string | null): Promise<Actor> {
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
});
