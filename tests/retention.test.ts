import { spawn } from "node:child_process";
import { once } from "node:events";
import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { noRequest } from "@/lib/access/actor";
import { AccessDenied, InvalidInput } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { scheduledTasks } from "@/lib/jobs/tasks";
import { breakGlass } from "@/lib/services/break-glass";
import { listBreakGlassUses, reviewBreakGlass } from "@/lib/services/break-glass-review";
import { addRecord } from "@/lib/services/chart";
import { submitRequest } from "@/lib/services/data-requests";
import { processDueErasures, purgeExpiredRetention } from "@/lib/services/erasure";
import { applyRetention, retentionDryRun, retentionOverview, setRetentionPeriod } from "@/lib/services/retention";
import { adminQuery } from "./helpers/db";
import { asRuntimeRole } from "./helpers/runtime-role";
import { actorOf, confirmedErasure, identity, makeCareTeam, makeStaff, makeUser, type TestUser } from "./helpers/fixtures";

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY);

let admin: TestUser;
let auditor: TestUser;
let clinician: TestUser;

beforeAll(async () => {
  ({ admin, auditor, clinician } = await makeStaff());
});

async function periods(): Promise<Record<string, number>> {
  const rows = await adminQuery<{ category: string; days: number }>("SELECT category, days FROM retention_policy");
  return Object.fromEntries(rows.map((r) => [r.category, r.days]));
}

describe("retention periods", () => {
  it("an administrator changes a period, audited with the value before and after", async () => {
    await setRetentionPeriod(actorOf(admin), { category: "sessions", days: "60" });
    expect((await periods()).sessions).toBe(60);
    const [event] = await adminQuery("SELECT actor_id, actor_role, resource_id, details FROM audit_event WHERE action = 'retention.policy.update'");
    expect(event).toEqual({ actor_id: admin.id, actor_role: "admin", resource_id: "sessions", details: { before: 90, after: 60 } });
    await setRetentionPeriod(actorOf(admin), { category: "sessions", days: 90 });
  });

  it("refuses periods out of bounds or malformed with a message that says what is allowed, and changes nothing", async () => {
    const before = await periods();
    const cases: [unknown, string][] = [
      [{ category: "sessions", days: 0 }, "Ended sign-in sessions (device and address): keep them between 1 and 3650 days"],
      [{ category: "data_requests", days: 30 }, "Closed data-subject requests and their history: keep them between 2190 and 36500 days"],
      [{ category: "erased_clinical_records", days: 400_000 }, "Clinical records kept after an erasure: keep them between 2190 and 36500 days"],
      [{ category: "throttle", days: "a week" }, "Enter a number of days"],
      [{ category: "throttle", days: 2.5 }, "Enter whole days"],
      [{ category: "audit_log", days: 30 }, "Choose one of the listed categories"],
    ];
    for (const [input, message] of cases) {
      const refusal = setRetentionPeriod(actorOf(admin), input);
      await expect(refusal).rejects.toBeInstanceOf(InvalidInput);
      await expect(refusal).rejects.toThrow(message);
    }
    expect(await periods()).toEqual(before);
  });

  it("holds the legal floors in the database: an administrator's raw SQL cannot shorten them to a day", async () => {
    const context = { role: "admin", actorId: admin.id };
    for (const category of ["data_requests", "erased_clinical_records"]) {
      await expect(
        asRuntimeRole("UPDATE retention_policy SET days = 1, updated_by = $2::uuid WHERE category = $1", [category, admin.id], context),
        category,
      ).rejects.toThrow(/retention_policy_legal_floor/);
    }
    expect((await adminQuery<{ days: number }>("SELECT days FROM retention_policy WHERE category = 'data_requests'"))[0]!.days).toBeGreaterThanOrEqual(2190);
  });

  it("lets no one but an administrator change or read them: refused and logged", async () => {
    for (const user of [auditor, clinician]) {
      await expect(setRetentionPeriod(actorOf(user), { category: "sessions", days: 1 })).rejects.toBeInstanceOf(AccessDenied);
      await expect(retentionOverview(actorOf(user))).rejects.toBeInstanceOf(AccessDenied);
      const denied = await adminQuery("SELECT 1 FROM audit_event WHERE actor_id = $1 AND outcome = 'denied'", [user.id]);
      expect(denied.length).toBeGreaterThanOrEqual(2);
    }
    expect((await periods()).sessions).toBe(90);
  });
});

describe("the retention job", () => {
  it("removes exactly what the dry run counted, per category, and the dry run removes nothing", async () => {
    const someone = await makeUser("clinician");
    // A session that ended now, a failed-sign-in counter and a bulk-access counter from now: due once the
    // periods (90, 30, 30 days) have passed.
    await adminQuery("INSERT INTO auth_session (user_id, user_version, expires_at, revoked_at) VALUES ($1, 1, now() + interval '12 hours', now())", [someone.id]);
    await adminQuery("INSERT INTO login_throttle (key, failures) VALUES ('retention-test', 3)");
    await adminQuery("INSERT INTO record_access (actor_id, patient_id) VALUES ($1, gen_random_uuid())", [someone.id]);

    const soon = await retentionDryRun(noRequest, inDays(20));
    expect(soon).toMatchObject({ sessions: 0, throttle: 0, record_access: 0, erased_clinical_records: 0 });

    const later = inDays(100);
    const overview = await retentionOverview(actorOf(admin), later);
    const due = Object.fromEntries(overview.map((r) => [r.category, r.due]));
    expect(due.sessions).toBeGreaterThanOrEqual(1);
    expect(due.throttle).toBeGreaterThanOrEqual(1);
    expect(due.record_access).toBeGreaterThanOrEqual(1);
    expect(await retentionDryRun(noRequest, later)).toEqual(due);
    // Counting twice removed nothing.
    expect(await adminQuery("SELECT 1 FROM login_throttle WHERE key = 'retention-test'")).toHaveLength(1);

    const { removed, failed } = await applyRetention(noRequest, later);
    expect(removed).toEqual(due);
    expect(failed).toEqual([]);
    expect(await retentionDryRun(noRequest, later)).toEqual({ sessions: 0, throttle: 0, record_access: 0, data_requests: 0, erased_clinical_records: 0, audit_addresses: 0 });
    expect(await adminQuery("SELECT 1 FROM auth_session WHERE user_id = $1", [someone.id])).toEqual([]);
    const applied = await adminQuery<{ actor_role: string; resource_id: string }>("SELECT actor_role, resource_id FROM audit_event WHERE action = 'retention.apply'");
    expect(applied.map((e) => e.resource_id).sort()).toEqual(["audit_addresses", "data_requests", "record_access", "sessions", "throttle"]);
    expect(new Set(applied.map((e) => e.actor_role))).toEqual(new Set(["system"]));
  });
});

describe("npm run retention:report", () => {
  it("prints what each category would lose, removes nothing, and is audited as the system", async () => {
    await adminQuery("INSERT INTO login_throttle (key, failures, window_started_at) VALUES ('report-test', 1, now() - interval '40 days')");
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/retention-report.ts"], { env: process.env });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(out).toMatch(/^throttle\s+1 would be removed/m);
    for (const category of ["sessions", "record_access", "data_requests", "erased_clinical_records"]) expect(out).toMatch(new RegExp(`^${category}\\s+\\d+ would be removed`, "m"));
    expect(await adminQuery("SELECT 1 FROM login_throttle WHERE key = 'report-test'")).toHaveLength(1);
    const reports = await adminQuery("SELECT actor_role FROM audit_event WHERE action = 'retention.report' AND actor_id IS NULL");
    expect(reports).toContainEqual({ actor_role: "system" });
    await adminQuery("DELETE FROM login_throttle WHERE key = 'report-test'");
  });
});

describe("purging erased patients", () => {
  async function erasedPatient(mrn: string): Promise<TestUser> {
    const p = await makeUser("patient", { patient: identity({ mrn }) });
    await makeCareTeam([clinician.id], [p.patientId!]);
    await addRecord(actorOf(clinician), { patientId: p.patientId!, content: { kind: "note", date: "2026-03-01", title: "Visit", text: "Seen" } });
    await submitRequest(actorOf(p), { ...confirmedErasure });
    return p;
  }

  it("does not purge before retain_until", async () => {
    const p = await erasedPatient("RET-EARLY-1");
    expect(await processDueErasures(noRequest, inDays(31))).toBe(1);
    const [row] = await adminQuery<{ retain_until: Date }>("SELECT retain_until FROM patient_restriction WHERE patient_id = $1 AND reason = 'retention'", [p.patientId]);
    const retainUntil = row!.retain_until.getTime();
    const left = async () => (await adminQuery("SELECT 1 FROM clinical_record WHERE patient_id = $1", [p.patientId])).length;
    const purgeEvents = () => adminQuery("SELECT outcome FROM audit_event WHERE action = 'retention.purge' AND patient_pseudonym = $1", [pseudonym(p.patientId!)]);
    for (const at of [inDays(40), new Date(retainUntil - DAY)]) {
      expect(await purgeExpiredRetention(noRequest, at)).toEqual({ purged: 0, failed: [] });
      expect(await left()).toBe(1);
    }
    expect(await purgeEvents()).toEqual([]);
    expect(await purgeExpiredRetention(noRequest, new Date(retainUntil + 1000))).toEqual({ purged: 1, failed: [] });
    expect(await left()).toBe(0);
    expect(await adminQuery("SELECT 1 FROM patient WHERE id = $1", [p.patientId])).toEqual([]);
    expect(await purgeEvents()).toEqual([{ outcome: "allowed" }]);
  });

  it("fixes each erasure's date from the period in force then", async () => {
    await setRetentionPeriod(actorOf(admin), { category: "erased_clinical_records", days: 2200 });
    const p = await erasedPatient("RET-DATE-1");
    expect(await processDueErasures(noRequest, inDays(31))).toBe(1);
    const [row] = await adminQuery<{ retain_until: Date }>("SELECT retain_until FROM patient_restriction WHERE patient_id = $1", [p.patientId]);
    expect(Math.abs(row!.retain_until.getTime() - inDays(2200).getTime())).toBeLessThan(60_000);
    await setRetentionPeriod(actorOf(admin), { category: "erased_clinical_records", days: 3653 });
  });

  it("purges a patient whose break-glass use was reviewed, each patient alone: one that fails leaves the others purged and is visible", async () => {
    const reviewed = await erasedPatient("RET-BG-1");
    const outsider = await makeUser("clinician");
    const reason = "Unconscious on arrival, chart needed";
    await breakGlass(actorOf(outsider), { mrn: "RET-BG-1", reason, code: await generate({ secret: outsider.totpSecret! }) });
    const use = (await listBreakGlassUses(actorOf(auditor))).find((u) => u.reason === reason)!;
    await reviewBreakGlass(actorOf(auditor), { grantId: use.grantId, decision: "approved", comment: "Justified by the triage note" });
    const blocked = await erasedPatient("RET-BLOCK-1");
    const plain = await erasedPatient("RET-PLAIN-1");
    expect(await processDueErasures(noRequest, inDays(31))).toBe(3);
    // Something still points at one patient (an account row restored by hand, say): its delete must fail.
    await adminQuery(
      "INSERT INTO app_user (role, email_bidx, email_enc, display_name_enc, password_hash, patient_id) VALUES ('patient', 'leftover', 'e', 'n', 'h', $1)",
      [blocked.patientId],
    );

    const purgeTask = scheduledTasks.find((t) => t.name === "retention-purge")!;
    const { removed, failed } = await applyRetention(noRequest, inDays(3700));
    expect(failed).toEqual([pseudonym(blocked.patientId!)]);
    expect(removed.erased_clinical_records).toBeGreaterThanOrEqual(2);
    for (const gone of [reviewed, plain]) {
      expect(await adminQuery("SELECT 1 FROM patient WHERE id = $1", [gone.patientId])).toEqual([]);
      expect(await adminQuery("SELECT 1 FROM clinical_record WHERE patient_id = $1", [gone.patientId])).toEqual([]);
      const purged = await adminQuery("SELECT actor_role, outcome FROM audit_event WHERE action = 'retention.purge' AND patient_pseudonym = $1", [pseudonym(gone.patientId!)]);
      expect(purged).toEqual([{ actor_role: "system", outcome: "allowed" }]);
    }
    expect(await adminQuery("SELECT 1 FROM break_glass_review WHERE grant_id = $1", [use.grantId])).toEqual([]);
    // The failed one is still there, whole, and the failure is in the log (a code, no values).
    expect(await adminQuery("SELECT 1 FROM clinical_record WHERE patient_id = $1", [blocked.patientId])).toHaveLength(1);
    const failure = await adminQuery("SELECT actor_role, outcome, details FROM audit_event WHERE action = 'retention.purge' AND patient_pseudonym = $1", [pseudonym(blocked.patientId!)]);
    expect(failure).toEqual([{ actor_role: "system", outcome: "error", details: { error: expect.any(String) } }]);
    // The scheduled job fails on it (so its history shows the failure and it retries), naming only the pseudonym.
    await expect(purgeTask.run(noRequest, inDays(3700))).rejects.toThrow(`retention purge failed for 1 erased patient(s): ${pseudonym(blocked.patientId!)}`);
  });
});
