import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { noRequest } from "@/lib/access/actor";
import { AccessDenied, Conflict, InvalidInput } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withSystem } from "@/lib/db/transaction";
import { acknowledgeAlert, listAlerts } from "@/lib/services/alerts";
import { integrityStatus, verifyNow } from "@/lib/services/audit-integrity";
import { formError } from "@/lib/http/errors";
import {
  auditActivity,
  auditEventBySeq,
  auditFilterQuery,
  exportAuditEvents,
  lastDays,
  PAGE_SIZE,
  searchAuditEvents,
} from "@/lib/services/audit-log";
import { breakGlass } from "@/lib/services/break-glass";
import { listBreakGlassUses, reviewBreakGlass } from "@/lib/services/break-glass-review";
import { getChart } from "@/lib/services/chart";
import { renderAuditExport } from "@/lib/export/audit-events";
import { adminQuery, isEmbedded } from "./helpers/db";
import { actorOf, identity, makeCareTeam, makeUser, type TestUser } from "./helpers/fixtures";

let auditor: TestUser;
let clinician: TestUser;
let patient: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  auditor = await makeUser("auditor");
  clinician = await makeUser("clinician");
  patient = await makeUser("patient", { patient: identity({ mrn: "AUD-7001" }) });
  outsider = await makeUser("clinician", { displayName: "José Álvarez-Núñez" });
  await makeCareTeam([clinician.id], [patient.patientId!]);
  for (let i = 0; i < 3; i++) await getChart(actorOf(clinician), patient.patientId!);
  await breakGlass(actorOf(outsider), {
    mrn: "AUD-7001",
    reason: "Emergency: patient unresponsive, team clinician unavailable",
    code: await generate({ secret: outsider.totpSecret! }),
  });
  await withSystem(noRequest, async ({ audit }) => {
    for (let i = 0; i < PAGE_SIZE * 2 + 5; i++) audit({ action: "test.filler" });
  });
});

describe("auditor event browser", () => {
  it("filters by patient MRN (via blind index) and action, and logs the read without the MRN", async () => {
    const { events } = await searchAuditEvents(actorOf(auditor), { patient: "AUD-7001", action: "chart.read" });
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.patientPseudonym === pseudonym(patient.patientId!) && e.action === "chart.read")).toBe(true);
    const [read] = await adminQuery<{ details: Record<string, string> }>(
      "SELECT details FROM audit_event WHERE action = 'audit.read' AND actor_id = $1 ORDER BY seq DESC LIMIT 1",
      [auditor.id],
    );
    expect(read!.details).toMatchObject({ action: "chart.read", patient: "set", returned: 3 });
    expect(JSON.stringify(read)).not.toContain("AUD-7001");
  });

  it("pages with a keyset cursor: disjoint, ordered, complete", async () => {
    const first = await searchAuditEvents(actorOf(auditor), { action: "test.filler" });
    expect(first.events).toHaveLength(PAGE_SIZE);
    const second = await searchAuditEvents(actorOf(auditor), { action: "test.filler", before: first.nextBefore });
    const third = await searchAuditEvents(actorOf(auditor), { action: "test.filler", before: second.nextBefore });
    const all = [...first.events, ...second.events, ...third.events].map((e) => BigInt(e.seq));
    expect(all).toHaveLength(PAGE_SIZE * 2 + 5);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((a, b) => (a > b ? -1 : 1))).toEqual(all);
    expect(third.nextBefore).toBeNull();
  });

  it("shows break-glass events only when asked, and one event in detail", async () => {
    const { events } = await searchAuditEvents(actorOf(auditor), { breakGlass: "1" });
    expect(events.map((e) => e.action)).toContain("break_glass.grant");
    const detail = await auditEventBySeq(actorOf(auditor), events[0]!.seq);
    expect(detail.seq).toBe(events[0]!.seq);
  });

  it("exports every matching event, and records the export", async () => {
    const rows = [];
    for await (const e of exportAuditEvents(actorOf(auditor), { action: "test.filler" }, "csv")) rows.push(e);
    expect(rows).toHaveLength(PAGE_SIZE * 2 + 5);
    const exports = await adminQuery("SELECT * FROM audit_event WHERE action = 'audit.export' AND actor_id = $1", [auditor.id]);
    expect(exports).toHaveLength(1);
  });

  // Embedded: the write would wait for the export's transaction, which the test holds open (serialized).
  it.skipIf(isEmbedded())("exports from one snapshot: an event written while the download runs is not in it", async () => {
    // More than one cursor batch (1,000), so the snapshot is still open when the new event is written.
    const early = 1200;
    await withSystem(noRequest, async ({ audit }) => {
      for (let i = 0; i < early; i++) audit({ action: "test.late" });
    });
    const events = exportAuditEvents(actorOf(auditor), { action: "test.late" }, "json");
    const seen = [(await events.next()).value];
    expect(await adminQuery("SELECT 1 FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = current_database()")).toHaveLength(1);
    await withSystem(noRequest, async ({ audit }) => audit({ action: "test.late" }));
    for await (const e of events) seen.push(e);
    expect(seen).toHaveLength(early);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE action = 'test.late'")).toHaveLength(early + 1);
  });

  it("ends the export's snapshot when the auditor's download is abandoned after its first bytes", async () => {
    // More than one cursor batch, so each abandoned export still has its snapshot open when it is dropped.
    await withSystem(noRequest, async ({ audit }) => {
      for (let i = 0; i < 1200; i++) audit({ action: "test.abandoned" });
    });
    for (const format of ["csv", "json"] as const) {
      for (let i = 0; i < 5; i++) {
        const events = exportAuditEvents(actorOf(auditor), { action: "test.abandoned" }, format);
        const chunks = renderAuditExport(await events.next(), events, format);
        await chunks.next();
        await chunks.next();
        await chunks.return(undefined);
      }
    }
    expect(await adminQuery("SELECT pid FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = current_database()")).toEqual([]);
  });

  it("shows staff by name and role, and finds them by part of the name, whatever the case or accents", async () => {
    const { events } = await searchAuditEvents(actorOf(auditor), { staff: "jose ALVAREZ" });
    expect(events.map((e) => e.action)).toContain("break_glass.grant");
    expect(events.every((e) => e.actorId === outsider.id && e.actorName === "José Álvarez-Núñez")).toBe(true);
    const { events: reads } = await searchAuditEvents(actorOf(auditor), { action: "chart.read" });
    expect(reads.find((e) => e.actorId === clinician.id)).toMatchObject({ actorName: "Test clinician", actorRole: "clinician" });
  });

  it("refuses an unknown MRN, a name no staff member has, and “from” after “to”, each at its field", async () => {
    const refusal = (filter: object) => auditFilterQuery(actorOf(auditor), filter).catch(formError);
    expect(await refusal({ patient: "NOPE-404" })).toMatchObject({ ok: false, errors: { patient: [expect.stringMatching(/No patient has this MRN/)] } });
    expect(await refusal({ staff: "Nobody Atall" })).toMatchObject({ ok: false, errors: { staff: [expect.stringMatching(/No staff member/)] } });
    expect(await refusal({ from: "2026-05-02", to: "2026-05-01" })).toMatchObject({ ok: false, errors: { to: [expect.stringMatching(/on or after/)] } });
    await expect(searchAuditEvents(actorOf(auditor), { patient: "NOPE-404" })).rejects.toBeInstanceOf(InvalidInput);
  });

  it("puts the patient's pseudonym in the address, never the MRN typed", async () => {
    const query = await auditFilterQuery(actorOf(auditor), { patient: "AUD-7001", action: "chart.read", before: "99" });
    expect(query).toEqual({ patient: pseudonym(patient.patientId!), action: "chart.read" });
    const another = await makeUser("clinician");
    await expect(auditFilterQuery(actorOf(another), { action: "chart.read" })).rejects.toBeInstanceOf(AccessDenied);
    const denials = await adminQuery("SELECT * FROM audit_event WHERE action = 'access.denied' AND actor_id = $1", [another.id]);
    expect(denials).toHaveLength(1);
  });

  it("counts each of the last 14 days, quiet days included, today last", async () => {
    const { perDay } = await auditActivity(actorOf(auditor));
    expect(perDay.map((d) => d.day)).toEqual(lastDays(14));
    expect(perDay.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    expect(perDay.at(-1)!.allowed).toBeGreaterThan(PAGE_SIZE * 2);
    expect(lastDays(3, new Date("2026-03-01T23:59:00Z"))).toEqual(["2026-02-27", "2026-02-28", "2026-03-01"]);
  });

  it("refuses clinicians, patients and admins, and records each refusal", async () => {
    for (const user of [clinician, patient, await makeUser("admin")]) {
      await expect(searchAuditEvents(actorOf(user), {})).rejects.toBeInstanceOf(AccessDenied);
      const denials = await adminQuery("SELECT * FROM audit_event WHERE action = 'access.denied' AND actor_id = $1", [user.id]);
      expect(denials).toHaveLength(1);
    }
  });

  it("rejects malformed filters before querying", async () => {
    const before = await adminQuery<{ n: string }>("SELECT count(*)::text AS n FROM audit_event");
    await expect(searchAuditEvents(actorOf(auditor), { actorId: "1 OR 1=1" })).rejects.toThrow(ZodError);
    await expect(searchAuditEvents(actorOf(auditor), { action: "x'; DROP TABLE audit_event; --" })).rejects.toThrow(ZodError);
    // Refused before the transaction: not even the audit.read event of a search was written.
    expect(await adminQuery("SELECT count(*)::text AS n FROM audit_event")).toEqual(before);
  });
});

describe("integrity panel", () => {
  it("verifies the whole log on demand, shows the result, and refuses non-auditors", async () => {
    const result = await verifyNow(actorOf(auditor));
    expect(result.ok).toBe(true);
    const status = await integrityStatus(actorOf(auditor));
    expect(status.lastVerification).toMatchObject({ ok: true });
    await expect(verifyNow(actorOf(clinician))).rejects.toBeInstanceOf(AccessDenied);
  });
});

describe("alerts and break-glass review", () => {
  it("a clinician cannot list or acknowledge alerts or review a break-glass use, and each refusal is logged", async () => {
    // The clinician who broke the glass is the one with most reason to clear the alert and approve the use.
    const [alert] = await adminQuery<{ id: string }>("SELECT id FROM alert WHERE kind = 'break_glass' AND actor_id = $1 AND acknowledged_at IS NULL", [outsider.id]);
    const [grant] = await adminQuery<{ id: string }>("SELECT id FROM break_glass_grant WHERE clinician_id = $1", [outsider.id]);
    const [{ seq: since }] = (await adminQuery<{ seq: string }>("SELECT coalesce(max(seq), 0)::text AS seq FROM audit_event")) as [{ seq: string }];
    await expect(listAlerts(actorOf(outsider), { open: true })).rejects.toBeInstanceOf(AccessDenied);
    await expect(acknowledgeAlert(actorOf(outsider), { alertId: alert!.id })).rejects.toBeInstanceOf(AccessDenied);
    await expect(reviewBreakGlass(actorOf(outsider), { grantId: grant!.id, decision: "approved", comment: "All fine, I was there." })).rejects.toBeInstanceOf(AccessDenied);
    const events = await adminQuery<{ action: string; actor_id: string; permission: string }>(
      "SELECT action, actor_id::text, details->>'permission' AS permission FROM audit_event WHERE seq > $1 ORDER BY seq",
      [since],
    );
    expect(events).toEqual([
      { action: "access.denied", actor_id: outsider.id, permission: "alerts.review" },
      { action: "access.denied", actor_id: outsider.id, permission: "alerts.review" },
      { action: "access.denied", actor_id: outsider.id, permission: "breakGlass.review" },
    ]);
    expect(await adminQuery("SELECT acknowledged_at, acknowledged_by FROM alert WHERE id = $1", [alert!.id])).toEqual([{ acknowledged_at: null, acknowledged_by: null }]);
    expect(await adminQuery("SELECT 1 FROM break_glass_review WHERE grant_id = $1", [grant!.id])).toEqual([]);
  });

  it("acknowledges a break-glass alert once", async () => {
    const open = await listAlerts(actorOf(auditor), { open: true });
    const alert = open.find((a) => a.kind === "break_glass")!;
    await acknowledgeAlert(actorOf(auditor), { alertId: alert.id });
    expect((await listAlerts(actorOf(auditor), { open: true })).map((a) => a.id)).not.toContain(alert.id);
    await expect(acknowledgeAlert(actorOf(auditor), { alertId: alert.id })).rejects.toThrow(/not found/);
  });

  it("shows the reviewer who used the access and what they did with it while it lasted", async () => {
    await getChart(actorOf(outsider), patient.patientId!);
    const [use] = await listBreakGlassUses(actorOf(auditor));
    expect(use!.clinicianName).toBe("José Álvarez-Núñez");
    expect(use!.activity.map((e) => e.action)).toEqual(["break_glass.grant", "chart.read"]);
    // The team clinician's reads of the same patient are not part of this use.
    expect(use!.activity).toHaveLength(2);
  });

  it("records one review per use, with the reason visible to the auditor", async () => {
    const [use] = await listBreakGlassUses(actorOf(auditor));
    expect(use!.reason).toContain("patient unresponsive");
    expect(use!.review).toBeNull();
    await reviewBreakGlass(actorOf(auditor), { grantId: use!.grantId, decision: "flagged", comment: "Ask for the ED note." });
    await expect(
      reviewBreakGlass(actorOf(auditor), { grantId: use!.grantId, decision: "approved", comment: "second try" }),
    ).rejects.toBeInstanceOf(Conflict);
    const [reviewed] = await listBreakGlassUses(actorOf(auditor));
    expect(reviewed!.review).toMatchObject({ decision: "flagged", comment: "Ask for the ED note." });
    await expect(listBreakGlassUses(actorOf(clinician))).rejects.toBeInstanceOf(AccessDenied);
  });
});
