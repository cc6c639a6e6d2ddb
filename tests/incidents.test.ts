import { beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { AccessDenied, Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { getChart } from "@/lib/services/chart";
import { notificationLetters } from "@/lib/services/incident-letters";
import { computeAffectedPatients } from "@/lib/services/incident-patients";
import { completeTask, raiseOverdueIncidentAlerts } from "@/lib/services/incident-tasks";
import { assessRisk, closeIncident, getIncident, listIncidents, openIncident, setIncidentTimes, setStateCounts } from "@/lib/services/incidents";
import { adminQuery } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, request, type TestUser } from "./helpers/fixtures";
import { asRuntimeConnection, asRuntimeRole } from "./helpers/runtime-role";

const HOUR = 3_600_000;
let auditor: TestUser, admin: TestUser, clinician: TestUser, patient: TestUser;
let readPatients: TestUser[];
let lockoutAlertId: string;

const assessment = (incidentId: string, conclusion: "low_probability" | "breach", gdprRisk: "unlikely" | "risk" | "high") => ({
  incidentId,
  nature: "Names, birth dates and visit notes of three patients",
  recipient: "A clinician account used by someone else",
  acquired: "viewed" as const,
  acquiredDetail: "The audit log shows chart reads",
  mitigation: "Account locked, password and second factor reset",
  conclusion,
  gdprRisk,
});

const byHand = (hoursAgo: number, title = "Laptop left on a train") => ({
  title,
  description: "A clinic laptop was reported missing after a trip.",
  discoveredAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
  awareAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
});

async function denials(actorId: string, permission: string) {
  return adminQuery("SELECT 1 FROM audit_event WHERE actor_id = $1 AND action = 'access.denied' AND outcome = 'denied' AND details->>'permission' = $2", [actorId, permission]);
}

async function incidentEvents(incidentId: string, action: string) {
  return adminQuery<{ actor_id: string; actor_role: string; patient_pseudonym: string | null; details: Record<string, unknown> }>(
    "SELECT actor_id::text, actor_role, patient_pseudonym, details FROM audit_event WHERE resource_id = $1 AND action = $2 ORDER BY seq",
    [incidentId, action],
  );
}

beforeAll(async () => {
  [auditor, admin, clinician] = await Promise.all([makeUser("auditor"), makeUser("admin"), makeUser("clinician")]);
  patient = await makeUser("patient");
  readPatients = await Promise.all([1, 2, 3].map(() => makeUser("patient", { patient: identity({ address: "12 Elm Street, Springfield" }) })));
  await makeCareTeam([clinician.id], readPatients.map((p) => p.patientId!));
  for (const p of readPatients) await getChart(actorOf(clinician), p.patientId!);
  // A failed-login burst on the clinician's account: the lockout alert the register starts from.
  for (let i = 0; i < 5; i++) await passwordSignIn({ email: clinician.email, password: `wrong-${i}`, portal: "staff" }, request(`198.51.100.${i + 1}`));
  const [alert] = await adminQuery<{ id: string }>("SELECT id::text FROM alert WHERE kind = 'lockout' AND actor_id = $1", [clinician.id]);
  lockoutAlertId = alert!.id;
});

describe("opening an incident", () => {
  it("from a lockout alert: the affected patients are the account's chart reads, as pseudonyms, with the count", async () => {
    const id = await openIncident(actorOf(auditor), { ...byHand(1, "Clinician account locked out"), alertIds: [lockoutAlertId] });
    const view = await getIncident(actorOf(auditor), id);
    expect(view.alertIds).toEqual([lockoutAlertId]);
    expect(view.affectedCount).toBe(3);
    expect(view.patients).toEqual(readPatients.map((p) => pseudonym(p.patientId!)).sort());
    expect(view.criteria).toEqual([expect.objectContaining({ actorId: clinician.id })]);
    // Presumed a breach until assessed: both clocks run.
    expect(view.tasks.map((t) => t.kind).sort()).toEqual(["hhs_annual_log", "individuals", "supervisory_authority"]);
    const [event] = await incidentEvents(id, "incident.open");
    expect(event).toMatchObject({ actor_id: auditor.id, actor_role: "auditor", details: { before: null, after: expect.objectContaining({ affectedCount: 3, alertIds: [lockoutAlertId] }) } });
    expect(JSON.stringify(event)).not.toContain("Springfield");
  });

  it("refuses discovery in the future and awareness before discovery, with a message per field, and writes nothing", async () => {
    const before = await adminQuery("SELECT id FROM incident");
    const future = new Date(Date.now() + HOUR).toISOString();
    const early = new Date(Date.now() - 5 * HOUR).toISOString();
    const error = await openIncident(actorOf(auditor), { ...byHand(1), discoveredAt: future, awareAt: early }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).flatten().fieldErrors).toEqual({
      discoveredAt: ["Discovery cannot be in the future."],
      awareAt: ["Awareness cannot come before discovery."],
    });
    await expect(openIncident(actorOf(auditor), { ...byHand(1), alertIds: ["not-an-id"] })).rejects.toBeInstanceOf(ZodError);
    expect(await adminQuery("SELECT id FROM incident")).toHaveLength(before.length);
  });

  it("an admin opens one by hand, but cannot open one from alerts (admins cannot see alerts)", async () => {
    const id = await openIncident(actorOf(admin), byHand(2));
    expect((await listIncidents(actorOf(admin))).map((i) => i.id)).toContain(id);
    await expect(openIncident(actorOf(admin), { ...byHand(2), alertIds: [lockoutAlertId] })).rejects.toBeInstanceOf(NotFound);
  });
});

describe("risk assessment and clocks", () => {
  it("shows the 72-hour clock counting down from awareness, and stops HIPAA clocks at a low probability of compromise", async () => {
    const awareAt = new Date(Date.now() - 2 * HOUR);
    const id = await openIncident(actorOf(auditor), { ...byHand(3), awareAt: awareAt.toISOString() });
    const authority = (await getIncident(actorOf(auditor), id, new Date(awareAt.getTime() + 60_000))).tasks.find((t) => t.kind === "supervisory_authority")!;
    expect(authority.left).toBe("71 h 59 min left");
    expect(authority.dueAt).toBe(new Date(awareAt.getTime() + 72 * HOUR).toISOString());

    await assessRisk(actorOf(auditor), assessment(id, "low_probability", "risk"));
    const view = await getIncident(actorOf(auditor), id);
    expect(view.risk).toMatchObject({ acquired: "viewed", mitigation: expect.stringContaining("locked") });
    expect(view.tasks.filter((t) => t.status === "open").map((t) => t.kind)).toEqual(["supervisory_authority"]);
    expect(view.tasks.filter((t) => t.status === "not_required").map((t) => t.kind).sort()).toEqual(["hhs_annual_log", "individuals"]);
    const [event] = await incidentEvents(id, "incident.assess");
    expect(event!.details).toMatchObject({ before: { conclusion: null, assessed: false }, after: { conclusion: "low_probability", gdprRisk: "risk" }, tasks: { dropped: ["individuals", "hhs_annual_log"] } });
    expect(JSON.stringify(event!.details)).not.toContain("birth dates");
    // The factors are sealed: the database holds ciphertext only.
    const [row] = await adminQuery<{ risk_enc: string }>("SELECT risk_enc FROM incident WHERE id = $1", [id]);
    expect(row!.risk_enc).not.toContain("birth dates");
  });

  it("a breach of more than 500 residents of one state adds HHS and the media; a bad state code changes nothing", async () => {
    const id = await openIncident(actorOf(admin), byHand(1));
    await assessRisk(actorOf(admin), assessment(id, "breach", "high"));
    await expect(setStateCounts(actorOf(admin), { incidentId: id, counts: "ZZ 5" })).rejects.toThrow(/not a state code/);
    await setStateCounts(actorOf(admin), { incidentId: id, counts: "CA 501\nnv: 20" });
    const view = await getIncident(actorOf(admin), id);
    expect(view.stateCounts).toEqual({ CA: 501, NV: 20 });
    expect(view.mediaStates).toEqual(["CA"]);
    expect(view.tasks.filter((t) => t.status === "open").map((t) => t.kind).sort()).toEqual(["data_subjects", "hhs_immediate", "individuals", "media", "supervisory_authority"]);
  });

  it("an admin recomputes the affected patients for chosen criteria, through pseudonyms only", async () => {
    const id = await openIncident(actorOf(admin), byHand(1));
    const count = await computeAffectedPatients(actorOf(admin), {
      incidentId: id,
      actorId: clinician.id,
      from: new Date(Date.now() - 24 * HOUR).toISOString(),
      to: new Date().toISOString(),
    });
    expect(count).toBe(3);
    expect((await getIncident(actorOf(admin), id)).patients).toEqual(readPatients.map((p) => pseudonym(p.patientId!)).sort());
    const empty = await computeAffectedPatients(actorOf(admin), { incidentId: id, actorId: admin.id, from: new Date(Date.now() - HOUR).toISOString(), to: new Date().toISOString() });
    expect(empty).toBe(0);
    // As typed in the form (minute precision, INCIDENT_TIME_ZONE = UTC): the window's last minute counts whole.
    const minute = (at: Date) => at.toISOString().slice(0, 16);
    const [lastRead] = await adminQuery<{ at: Date }>("SELECT max(occurred_at) AS at FROM audit_event WHERE actor_id = $1 AND action = 'chart.read'", [clinician.id]);
    expect(await computeAffectedPatients(actorOf(admin), { incidentId: id, actorId: clinician.id, from: minute(new Date(lastRead!.at.getTime() - HOUR)), to: minute(lastRead!.at) })).toBeGreaterThanOrEqual(1);
    await expect(computeAffectedPatients(actorOf(admin), { incidentId: id, actorId: clinician.id, from: new Date().toISOString(), to: new Date(Date.now() - HOUR).toISOString() })).rejects.toBeInstanceOf(ZodError);
  });

  it("the pseudonym function refuses any context other than an admin's or an auditor's, even over raw SQL", async () => {
    const id = await openIncident(actorOf(admin), byHand(1, "Raw SQL lookup"));
    const call = "SELECT * FROM incident_affected_pseudonyms($1::uuid, $2::uuid, now() - interval '1 day', now())";
    await expect(asRuntimeRole(call, [id, clinician.id], { role: "clinician", actorId: clinician.id })).rejects.toThrow(/only the incident register/);
    await expect(asRuntimeRole(call, [id, clinician.id], null)).rejects.toThrow(/only the incident register/);
    // Nor may a clinician read the register's tables.
    expect(await asRuntimeRole("SELECT * FROM incident", [], { role: "clinician", actorId: clinician.id })).toHaveLength(0);
  });

  it("every lookup of affected patients is logged and committed before it runs, naming who asked, the incident and whom", async () => {
    const id = await openIncident(actorOf(admin), byHand(1, "Lookup audited"));
    const from = new Date(Date.now() - 24 * HOUR).toISOString();
    const to = new Date().toISOString();
    expect(await computeAffectedPatients(actorOf(admin), { incidentId: id, actorId: clinician.id, from, to })).toBe(3);
    expect(await incidentEvents(id, "incident.affected.lookup")).toEqual([
      { actor_id: admin.id, actor_role: "admin", patient_pseudonym: null, details: { subject: clinician.id, from, to } },
    ]);

    // A clinician is refused by the service, and the refusal is logged; no lookup happened.
    const other = await makeUser("clinician");
    await expect(computeAffectedPatients(actorOf(other), { incidentId: id, actorId: clinician.id, from, to })).rejects.toBeInstanceOf(AccessDenied);
    expect(await denials(other.id, "incidents.manage")).toHaveLength(1);
    expect(await incidentEvents(id, "incident.affected.lookup")).toHaveLength(1);
  });

  it("over raw SQL, a genuine auditor context gets no answer unless that very lookup is already committed to the log", async () => {
    const id = await openIncident(actorOf(admin), byHand(1, "Raw SQL lookup, audited"));
    const auditorContext = { role: "auditor", actorId: auditor.id };
    const from = new Date(Date.now() - 24 * HOUR).toISOString();
    const to = new Date().toISOString();
    const call = "SELECT * FROM incident_affected_pseudonyms($1::uuid, $2::uuid, $3::timestamptz, $4::timestamptz)";
    const logLine = (incident: string, subject: string, windowFrom: string): [string, unknown[]] => [
      `INSERT INTO audit_event (occurred_at, actor_id, actor_role, action, resource_type, resource_id, outcome, details, writer_mac)
       VALUES (now(), $1::uuid, 'auditor', 'incident.affected.lookup', 'incident', $2, 'allowed', $3::jsonb, 'raw-sql')`,
      [auditor.id, incident, JSON.stringify({ subject, from: windowFrom, to })],
    ];
    await expect(asRuntimeRole(call, [id, clinician.id, from, to], auditorContext)).rejects.toThrow(/only after the lookup is in the audit log/);
    // A committed log line naming another incident, another account or another window does not count.
    const otherIncident = await openIncident(actorOf(admin), byHand(1, "Another incident"));
    for (const [incident, subject, windowFrom] of [[otherIncident, clinician.id, from], [id, admin.id, from], [id, clinician.id, new Date(Date.now() - 48 * HOUR).toISOString()]]) {
      await asRuntimeConnection(auditorContext, (client) => client.query(...logLine(incident!, subject!, windowFrom!)));
      await expect(asRuntimeRole(call, [id, clinician.id, from, to], auditorContext)).rejects.toThrow(/only after the lookup is in the audit log/);
    }
    // Nor does the right line written in the lookup's own transaction: the answer could be read, the line rolled back.
    const rolledBack = asRuntimeConnection(auditorContext, async (client) => {
      await client.query(...logLine(id, clinician.id, from));
      return client.query(call, [id, clinician.id, from, to]);
    });
    await expect(rolledBack).rejects.toThrow(/only after the lookup is in the audit log/);
    // Committed first, it answers, and the line stays in the log (sealed as a forgery: no application key).
    await asRuntimeConnection(auditorContext, (client) => client.query(...logLine(id, clinician.id, from)));
    expect(await asRuntimeRole(call, [id, clinician.id, from, to], auditorContext)).toHaveLength(3);
    // In the log: the two committed lines about this incident that did not match, and the one that did.
    expect(await incidentEvents(id, "incident.affected.lookup")).toHaveLength(3);
  });
});

describe("correcting the times", () => {
  it("moves the deadlines, so a notice can fall overdue and alert; a future time or awareness before discovery is refused unchanged", async () => {
    const id = await openIncident(actorOf(auditor), byHand(1, "Records sent to the wrong clinic"));
    const discoveredAt = new Date(Date.now() - 100 * HOUR).toISOString();
    const awareAt = new Date(Date.now() - 90 * HOUR).toISOString();
    await setIncidentTimes(actorOf(admin), { incidentId: id, discoveredAt, awareAt });
    const authority = (await getIncident(actorOf(admin), id)).tasks.find((t) => t.kind === "supervisory_authority")!;
    expect(authority).toMatchObject({ overdue: true, left: expect.stringMatching(/^overdue by 1[78] h/) });
    const [event] = await incidentEvents(id, "incident.times");
    expect(event!.details).toMatchObject({ after: { discoveredAt, awareAt }, tasks: { moved: expect.arrayContaining(["supervisory_authority", "individuals"]) } });
    await raiseOverdueIncidentAlerts(new Date());
    expect(await adminQuery("SELECT 1 FROM alert WHERE kind = 'incident_overdue' AND details->>'incidentId' = $1", [id])).toHaveLength(1);

    const later = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
    const bad = await setIncidentTimes(actorOf(admin), { incidentId: id, discoveredAt: later(-10), awareAt: later(-20) }).catch((e: unknown) => e);
    expect((bad as ZodError).flatten().fieldErrors).toEqual({ awareAt: ["Awareness cannot come before discovery."] });
    await expect(setIncidentTimes(actorOf(admin), { incidentId: id, discoveredAt: later(1), awareAt: later(1) })).rejects.toBeInstanceOf(ZodError);
    const outsider = await makeUser("clinician");
    await expect(setIncidentTimes(actorOf(outsider), { incidentId: id, discoveredAt, awareAt })).rejects.toBeInstanceOf(AccessDenied);
    expect(await denials(outsider.id, "incidents.manage")).toHaveLength(1);
    expect((await getIncident(actorOf(admin), id)).awareAt).toBe(awareAt);
  });
});

describe("overdue notifications", () => {
  it("raise one alert per overdue task, once, even when two runners race", async () => {
    const id = await openIncident(actorOf(auditor), byHand(80, "Misdirected fax"));
    const overdue = (await getIncident(actorOf(auditor), id)).tasks.filter((t) => t.overdue);
    expect(overdue.map((t) => t.kind)).toEqual(["supervisory_authority"]);
    expect(overdue[0]!.left).toMatch(/^overdue by 8 h/);
    const now = new Date();
    const raised = await Promise.all([raiseOverdueIncidentAlerts(now), raiseOverdueIncidentAlerts(now)]);
    const alerts = await adminQuery<{ details: Record<string, unknown> }>("SELECT details FROM alert WHERE kind = 'incident_overdue' AND details->>'incidentId' = $1", [id]);
    expect(alerts).toEqual([{ details: expect.objectContaining({ task: "supervisory_authority", incidentId: id }) }]);
    expect(raised[0]! + raised[1]!).toBeGreaterThanOrEqual(1);
    expect(await raiseOverdueIncidentAlerts(new Date())).toBe(0);
    expect(await adminQuery("SELECT 1 FROM alert WHERE kind = 'incident_overdue' AND details->>'incidentId' = $1", [id])).toHaveLength(1);
  });
});

describe("closing", () => {
  it("needs every notice recorded (late ones with reasons) and a root cause; nothing changes after", async () => {
    const id = await openIncident(actorOf(auditor), byHand(80, "Printed list left at reception"));
    await assessRisk(actorOf(auditor), assessment(id, "low_probability", "risk"));
    await expect(closeIncident(actorOf(auditor), { incidentId: id, rootCause: "" })).rejects.toBeInstanceOf(ZodError);
    await expect(closeIncident(actorOf(auditor), { incidentId: id, rootCause: "Reception printed patient lists for a meeting." })).rejects.toBeInstanceOf(Conflict);
    const [task] = (await getIncident(actorOf(auditor), id)).tasks.filter((t) => t.status === "open");
    const late = completeTask(actorOf(auditor), { taskId: task!.id, evidence: "Filed with the authority, reference 2026-17" });
    await expect(late).rejects.toBeInstanceOf(InvalidInput);
    await completeTask(actorOf(auditor), { taskId: task!.id, evidence: "Filed with the authority, reference 2026-17", delayReason: "The report reached us only after the weekend." });
    expect((await getIncident(actorOf(auditor), id)).tasks.find((t) => t.id === task!.id)).toMatchObject({ status: "done", delayReason: expect.stringContaining("weekend") });

    expect((await adminQuery<{ status: string }>("SELECT status FROM incident WHERE id = $1", [id]))[0]!.status).toBe("open");
    await closeIncident(actorOf(admin), { incidentId: id, rootCause: "Reception printed patient lists for a meeting and left one behind." });
    const view = await getIncident(actorOf(auditor), id);
    expect(view).toMatchObject({ status: "closed", rootCause: expect.stringContaining("Reception"), next: null });
    const [event] = await incidentEvents(id, "incident.close");
    expect(event).toMatchObject({ actor_id: admin.id, details: { before: { status: "open" }, after: { status: "closed", rootCauseRecorded: true } } });
    await expect(assessRisk(actorOf(auditor), assessment(id, "breach", "high"))).rejects.toBeInstanceOf(Conflict);
  });

  it("the database refuses a closed incident without a root cause", async () => {
    const id = await openIncident(actorOf(auditor), byHand(1));
    await expect(adminQuery("UPDATE incident SET status = 'closed', closed_at = now() WHERE id = $1", [id])).rejects.toThrow(/incident_closed_with_root_cause/);
  });
  it("over raw SQL, an admin context can neither write someone else into the 'by' columns nor change a closed incident", async () => {
    const open = await openIncident(actorOf(auditor), byHand(2, "Fax sent to the wrong clinic"));
    const asAdmin = { role: "admin", actorId: admin.id };
    const refused = /acting user|never changes|closed and can no longer be changed/;
    await expect(asRuntimeRole("UPDATE incident SET opened_by = $2 WHERE id = $1", [open, admin.id], asAdmin)).rejects.toThrow(refused);
    await expect(asRuntimeRole(
      "UPDATE incident SET risk_enc = 'x', risk_conclusion = 'breach', gdpr_risk = 'high', assessed_at = now(), assessed_by = $2 WHERE id = $1",
      [open, auditor.id], asAdmin)).rejects.toThrow(refused);
    await expect(asRuntimeRole(
      "INSERT INTO incident (title, description_enc, discovered_at, aware_at, opened_by) VALUES ('Forged incident', 'x', now(), now(), $1)",
      [auditor.id], asAdmin)).rejects.toThrow(refused);
    const [task] = await adminQuery<{ id: string }>("SELECT id::text FROM incident_task WHERE incident_id = $1 LIMIT 1", [open]);
    await expect(asRuntimeRole("UPDATE incident_task SET status = 'done', evidence_enc = 'x', completed_at = now(), completed_by = $2 WHERE id = $1",
      [task!.id, auditor.id], asAdmin)).rejects.toThrow(refused);

    const closed = await openIncident(actorOf(auditor), byHand(2, "Unlocked cabinet"));
    await assessRisk(actorOf(auditor), assessment(closed, "low_probability", "unlikely"));
    await closeIncident(actorOf(admin), { incidentId: closed, rootCause: "The cabinet lock was broken and has been replaced." });
    const frozen = await adminQuery("SELECT * FROM incident WHERE id = $1", [closed]);
    await expect(asRuntimeRole("UPDATE incident SET title = 'Nothing happened here' WHERE id = $1", [closed], asAdmin)).rejects.toThrow(refused);
    await expect(asRuntimeRole("INSERT INTO incident_patient (incident_id, patient_pseudonym) VALUES ($1, $2)", [closed, pseudonym(patient.patientId!)], asAdmin)).rejects.toThrow(refused);
    await expect(asRuntimeRole("DELETE FROM incident_task WHERE incident_id = $1", [closed], asAdmin)).rejects.toThrow(/permission denied/);
    const [closedTask] = await adminQuery<{ id: string }>("SELECT id::text FROM incident_task WHERE incident_id = $1 LIMIT 1", [closed]);
    await expect(asRuntimeRole("UPDATE incident_task SET incident_id = $2, kind = 'media' WHERE id = $1", [closedTask!.id, open], asAdmin))
      .rejects.toThrow(/cannot move to another incident/);
    expect(await adminQuery("SELECT * FROM incident WHERE id = $1", [closed])).toEqual(frozen);

    // Someone else's assessment cannot be rewritten under their name, nor an incident closed by nobody.
    const assessed = await openIncident(actorOf(auditor), byHand(2, "Email sent to the wrong patient"));
    await assessRisk(actorOf(auditor), assessment(assessed, "breach", "high"));
    await expect(asRuntimeRole("UPDATE incident SET risk_conclusion = 'low_probability', gdpr_risk = 'unlikely' WHERE id = $1", [assessed], asAdmin))
      .rejects.toThrow(/assessment is recorded by the acting user/);
    await expect(asRuntimeRole("UPDATE incident SET assessed_by = NULL WHERE id = $1", [assessed], asAdmin)).rejects.toThrow(/assessment is recorded by the acting user/);
    await adminQuery("UPDATE incident_task SET status = 'not_required' WHERE incident_id = $1", [assessed]);
    await expect(asRuntimeRole("UPDATE incident SET status = 'closed', closed_at = now(), root_cause_enc = 'x' WHERE id = $1", [assessed], asAdmin))
      .rejects.toThrow(/closed by the acting user/);
    // What the service wrote is bound to who acted.
    expect(await adminQuery("SELECT opened_by::text, assessed_by::text, closed_by::text FROM incident WHERE id = $1", [closed]))
      .toEqual([{ opened_by: auditor.id, assessed_by: auditor.id, closed_by: admin.id }]);
  });
});

describe("who may", () => {
  it("refuses clinicians and patients every part of the register, and logs each refusal", async () => {
    const id = await openIncident(actorOf(auditor), byHand(1));
    for (const user of [clinician, patient]) {
      await expect(listIncidents(actorOf(user))).rejects.toBeInstanceOf(AccessDenied);
      await expect(getIncident(actorOf(user), id)).rejects.toBeInstanceOf(AccessDenied);
      await expect(openIncident(actorOf(user), byHand(1))).rejects.toBeInstanceOf(AccessDenied);
      await expect(assessRisk(actorOf(user), assessment(id, "breach", "high"))).rejects.toBeInstanceOf(AccessDenied);
      await expect(notificationLetters(actorOf(user), { incidentId: id })).rejects.toBeInstanceOf(AccessDenied);
      expect(await denials(user.id, "incidents.read")).toHaveLength(2);
      expect(await denials(user.id, "incidents.manage")).toHaveLength(2);
      expect(await denials(user.id, "incidents.letters")).toHaveLength(1);
    }
    expect((await getIncident(actorOf(auditor), id)).risk).toBeNull();
  });

  it("decrypts letters only for the admin's letter permission, and audits each letter by pseudonym", async () => {
    const id = await openIncident(actorOf(auditor), { ...byHand(1, "Clinician account misused"), alertIds: [lockoutAlertId] });
    await assessRisk(actorOf(auditor), assessment(id, "breach", "risk"));
    await expect(notificationLetters(actorOf(auditor), { incidentId: id })).rejects.toBeInstanceOf(AccessDenied);
    expect(await denials(auditor.id, "incidents.letters")).toHaveLength(1);
    expect(await incidentEvents(id, "incident.letter")).toHaveLength(0);

    const batch = await notificationLetters(actorOf(admin), { incidentId: id });
    expect(batch.unmatched).toBe(0);
    expect(batch.letters).toHaveLength(3);
    const names = await adminQuery<{ patient_id: string }>("SELECT patient_id::text FROM patient_identity WHERE patient_id = ANY($1::uuid[])", [readPatients.map((p) => p.patientId)]);
    expect(names).toHaveLength(3);
    for (const letter of batch.letters) {
      expect(letter.name).toMatch(/^Test Patient[0-9a-f]{6}$/);
      expect(letter.address).toBe("12 Elm Street, Springfield");
      expect(letter.informationInvolved).toContain("birth dates");
    }
    const events = await incidentEvents(id, "incident.letter");
    expect(events).toHaveLength(3);
    for (const e of events) expect(e).toMatchObject({ actor_id: admin.id, actor_role: "admin", details: { fields: ["name", "address"] } });
    expect(events.map((e) => e.patient_pseudonym).sort()).toEqual(readPatients.map((p) => pseudonym(p.patientId!)).sort());
    expect(JSON.stringify(events)).not.toMatch(/Springfield|Test Patient/);

    const alerts = await adminQuery<{ severity: string; actor_id: string; details: { incidentId: string } }>(
      "SELECT severity, actor_id::text, details FROM alert WHERE kind = 'incident_letters'",
    );
    expect(alerts).toEqual([{ severity: "high", actor_id: admin.id, details: { incidentId: id, letters: 3 } }]);

    const low = await openIncident(actorOf(auditor), byHand(1));
    await assessRisk(actorOf(auditor), assessment(low, "low_probability", "unlikely"));
    await expect(notificationLetters(actorOf(admin), { incidentId: low })).rejects.toBeInstanceOf(Conflict);
  });

  it("prints no letters before a breach is concluded, nor for the administrator who concluded it (four eyes)", async () => {
    const id = await openIncident(actorOf(admin), byHand(1, "Laptop stolen"));
    await expect(notificationLetters(actorOf(admin), { incidentId: id })).rejects.toThrow(/once the risk assessment has concluded/);
    await assessRisk(actorOf(admin), assessment(id, "breach", "risk"));
    await expect(notificationLetters(actorOf(admin), { incidentId: id })).rejects.toThrow(/recorded by someone else/);
    expect(await incidentEvents(id, "incident.letter")).toHaveLength(0);
  });

  it("prints no letters for patients added to the list after the breach assessment, by the service or over raw SQL, until it is assessed again", async () => {
    const id = await openIncident(actorOf(auditor), { ...byHand(1, "Account shared"), alertIds: [lockoutAlertId] });
    await assessRisk(actorOf(auditor), assessment(id, "breach", "risk"));
    // After the auditor's assessment, the admin widens the list to another account's year of activity.
    await computeAffectedPatients(actorOf(admin), { incidentId: id, actorId: clinician.id, from: new Date(Date.now() - 300 * 24 * HOUR).toISOString(), to: new Date().toISOString() });
    await expect(notificationLetters(actorOf(admin), { incidentId: id })).rejects.toThrow(/changed after the risk assessment/);
    expect(await incidentEvents(id, "incident.letter")).toHaveLength(0);

    // Assessed again by the auditor: letters print for the list as it now stands.
    await assessRisk(actorOf(auditor), assessment(id, "breach", "risk"));
    expect((await notificationLetters(actorOf(admin), { incidentId: id })).letters).toHaveLength(3);

    // Over raw SQL under an admin context, a pseudonym slipped into the list stamps the incident all the same.
    await asRuntimeRole("INSERT INTO incident_patient (incident_id, patient_pseudonym) VALUES ($1, $2)", [id, pseudonym(patient.patientId!)], { role: "admin", actorId: admin.id });
    await expect(notificationLetters(actorOf(admin), { incidentId: id })).rejects.toThrow(/changed after the risk assessment/);
    // ...and that admin context can neither clear the stamp nor turn it back, nor can an assessor date a new
    // assessment in the future to cover changes yet to come: the database dates it.
    const asAdmin = { role: "admin", actorId: admin.id };
    for (const value of [null, "2000-01-01T00:00:00Z"]) {
      await expect(asRuntimeRole("UPDATE incident SET affected_changed_at = $2 WHERE id = $1", [id, value], asAdmin)).rejects.toThrow(/set only by a change to the list/);
    }
    await asRuntimeRole("UPDATE incident SET assessed_at = '2100-01-01', assessed_by = $2 WHERE id = $1", [id, auditor.id], { role: "auditor", actorId: auditor.id });
    const [dated] = await adminQuery<{ assessed_at: Date }>("SELECT assessed_at FROM incident WHERE id = $1", [id]);
    expect(dated!.assessed_at.getTime()).toBeLessThan(Date.now() + 60_000);
  });
});
