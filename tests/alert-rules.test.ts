import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { runAlertRules } from "@/lib/alerts/run";
import { noRequest } from "@/lib/access/actor";
import { scheduledTasks } from "@/lib/jobs/tasks";
import { sealAll } from "@/lib/audit/sealer";
import { verifyAuditLog } from "@/lib/audit/verify";
import { passwordSignIn } from "@/lib/auth/sign-in";
import { exportAuditEvents } from "@/lib/services/audit-log";
import { getChart } from "@/lib/services/chart";
import { myRecord } from "@/lib/services/my-record";
import { acknowledgeAlert } from "@/lib/services/alerts";
import { changeRole } from "@/lib/services/staff-accounts";
import { setTeamClinicHours } from "@/lib/services/care-team-admin";
import { AccessDenied } from "@/lib/access/errors";
import { adminQuery, withAdminClient } from "./helpers/db";
import { asRuntimeConnection, asRuntimeRole, type SqlContext } from "./helpers/runtime-role";
import { actorOf, makeCareTeam, makeUser, PASSWORD, request, type TestUser } from "./helpers/fixtures";

interface AlertRow {
  id: string;
  kind: string;
  rule: string;
  severity: string;
  window_key: string;
  actor_id: string | null;
  details: Record<string, unknown>;
  evidence: string[];
}

const alertsOf = (rule: string, keyPart: string) =>
  adminQuery<AlertRow>("SELECT id, kind, rule, severity, window_key, actor_id, details, evidence::text[] FROM alert WHERE rule = $1 AND window_key LIKE '%' || $2 || '%'", [rule, keyPart]);

const deniedSignIns = (where: string, param: string) =>
  adminQuery<{ seq: string }>(`SELECT seq::text FROM audit_event WHERE action = 'auth.sign_in' AND outcome = 'denied' AND ${where} = $1 ORDER BY audit_event.seq`, [param]).then((r) => r.map((e) => e.seq));

/** Two runs at once, as two app instances would: each window still gets one alert. */
const runTwiceConcurrently = (now = new Date()) => Promise.all([runAlertRules(now), runAlertRules(now)]);

const wrongPassword = (email: string, ip: string) => passwordSignIn({ email, password: "not the password", portal: "patient" }, request(ip));

beforeAll(() => {
  // Fixed windows of a day: a test never straddles one (they start at 00:00 UTC).
  process.env.ALERT_SIGN_IN_WINDOW_SECONDS = "86400";
  process.env.ALERT_FAILED_SIGN_INS_PER_ACCOUNT = "3";
  process.env.ALERT_FAILED_SIGN_INS_PER_ADDRESS = "4";
  process.env.ALERT_SPRAY_ACCOUNTS = "3";
  process.env.ALERT_EXPORTS_PER_WINDOW = "2";
});

afterEach(() => {
  vi.useRealTimers();
  for (const name of ["CLINIC_HOURS", "CLINIC_DAYS", "CLINIC_TIME_ZONE"]) delete process.env[name];
});

describe("failed sign-ins per account", () => {
  it("below the threshold raises nothing; at it, one medium alert naming the failed attempts, however often the rule runs", async () => {
    const patient = await makeUser("patient");
    for (let i = 0; i < 2; i++) await wrongPassword(patient.email, `198.51.100.${10 + i}`);
    await runAlertRules();
    expect(await alertsOf("failed-sign-ins-account", patient.id)).toEqual([]);

    await wrongPassword(patient.email, "198.51.100.12");
    await runTwiceConcurrently();
    await runAlertRules();
    const alerts = await alertsOf("failed-sign-ins-account", patient.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "failed_sign_ins", severity: "medium", actor_id: patient.id, details: { failures: 3, threshold: 3 } });
    expect(alerts[0]!.evidence).toEqual(await deniedSignIns("actor_id::text", patient.id));
    // The raising itself is in the log, as the system.
    const raised = await adminQuery("SELECT actor_role FROM audit_event WHERE action = 'alert.raise' AND resource_id = $1", [alerts[0]!.id]);
    expect(raised).toEqual([{ actor_role: "system" }]);
  });
});

describe("failed sign-ins per address and password spraying", () => {
  it("one address failing on unknown accounts trips the address rule once, not the spraying rule", async () => {
    const ip = "198.51.100.40";
    for (let i = 0; i < 3; i++) await passwordSignIn({ email: `nobody-${i}@example.test`, password: "x", portal: "patient" }, request(ip));
    await runAlertRules();
    expect(await alertsOf("failed-sign-ins-address", ip)).toEqual([]);
    await passwordSignIn({ email: "nobody-3@example.test", password: "x", portal: "patient" }, request(ip));
    await runTwiceConcurrently();
    const alerts = await alertsOf("failed-sign-ins-address", ip);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ details: { address: ip, failures: 4 } });
    expect(alerts[0]!.evidence).toEqual(await deniedSignIns("ip", ip));
    expect(await alertsOf("password-spraying", ip)).toEqual([]);
  });

  it("one guess each at three accounts from one address is spraying (high); two accounts are not", async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 3; i++) users.push(await makeUser("patient"));
    const sprayer = "198.51.100.50";
    const quiet = "198.51.100.51";
    await Promise.all(users.slice(0, 2).map((u) => wrongPassword(u.email, quiet)));
    await Promise.all(users.map((u) => wrongPassword(u.email, sprayer)));
    await runTwiceConcurrently();
    const alerts = await alertsOf("password-spraying", sprayer);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "password_spraying", severity: "high", details: { address: sprayer, accounts: 3 } });
    expect(await alertsOf("password-spraying", quiet)).toEqual([]);
    // Three failures from one address stay under the per-address threshold of four.
    expect(await alertsOf("failed-sign-ins-address", sprayer)).toEqual([]);
  });

  it("a correct sign-in is not a failure", async () => {
    const patient = await makeUser("patient");
    for (let i = 0; i < 4; i++) expect((await passwordSignIn({ email: patient.email, password: PASSWORD, portal: "patient" }, request("198.51.100.60"))).ok).toBe(true);
    await runAlertRules();
    expect(await alertsOf("failed-sign-ins-address", "198.51.100.60")).toEqual([]);
    expect(await alertsOf("failed-sign-ins-account", patient.id)).toEqual([]);
  });
});

describe("unusual export volume", () => {
  it("an auditor's second audit-log export in the window raises one high alert; the first does not", async () => {
    const auditor = await makeUser("auditor");
    const exportOnce = async () => {
      for await (const event of exportAuditEvents(actorOf(auditor), { action: "auth.lockout" }, "json")) void event;
    };
    await exportOnce();
    await runAlertRules();
    expect(await alertsOf("export-volume", auditor.id)).toEqual([]);
    await exportOnce();
    await runTwiceConcurrently();
    const alerts = await alertsOf("export-volume", auditor.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "export_volume", severity: "high", actor_id: auditor.id, details: { exports: 2, threshold: 2 } });
    const exports = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE action = 'audit.export' AND actor_id = $1 ORDER BY audit_event.seq", [auditor.id]);
    expect(alerts[0]!.evidence).toEqual(exports.map((e) => e.seq));
  });
});

describe("after-hours PHI access", () => {
  it("follows New York's clock across the March 2026 daylight-saving change, one alert per clinician and night", async () => {
    process.env.CLINIC_HOURS = "08:00-18:00";
    process.env.CLINIC_DAYS = "Mon-Fri";
    process.env.CLINIC_TIME_ZONE = "America/New_York";
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    const openChartAt = async (iso: string) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(iso));
      await getChart(actorOf(clinician), patient.patientId!);
      vi.useRealTimers();
      const [event] = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE actor_id = $1 AND occurred_at = $2::timestamptz", [clinician.id, iso]);
      return event!.seq;
    };
    // Friday 6 March, EST (UTC-5): 12:30 UTC is 07:30, before opening.
    const fridayEarly = await openChartAt("2026-03-06T12:30:00.000Z");
    // Friday 14:00 UTC is 09:00: open.
    await openChartAt("2026-03-06T14:00:00.000Z");
    await runTwiceConcurrently(new Date("2026-03-06T14:01:00.000Z"));
    // Monday 9 March, EDT (UTC-4) since Sunday: 12:30 UTC is 08:30, open (a fixed -5 offset would say 07:30).
    await openChartAt("2026-03-09T12:30:00.000Z");
    await runAlertRules(new Date("2026-03-09T12:31:00.000Z"));
    expect((await alertsOf("after-hours-access", clinician.id)).map((a) => a.details.localDate)).toEqual(["2026-03-06"]);
    // Monday 22:30 UTC is 18:30 EDT, after closing (a fixed -5 offset would say 17:30, still open).
    const mondayLate = await openChartAt("2026-03-09T22:30:00.000Z");
    await runTwiceConcurrently(new Date("2026-03-09T22:31:00.000Z"));
    await runAlertRules(new Date("2026-03-09T22:32:00.000Z"));
    const alerts = (await alertsOf("after-hours-access", clinician.id)).sort((a, b) => String(a.details.localDate).localeCompare(String(b.details.localDate)));
    expect(alerts.map((a) => [a.details.localDate, a.evidence])).toEqual([["2026-03-06", [fridayEarly]], ["2026-03-09", [mondayLate]]]);
    expect(alerts[0]).toMatchObject({ kind: "after_hours_access", severity: "medium", details: { timeZone: "America/New_York", clinicHours: "08:00-18:00" } });
  });

  it("a care team's own hours and time zone decide for its clinicians, others follow the global hours; set by an admin, audited", async () => {
    process.env.CLINIC_HOURS = "07:00-10:00";
    process.env.CLINIC_DAYS = "Mon-Sun";
    process.env.CLINIC_TIME_ZONE = "UTC";
    const admin = await makeUser("admin");
    const [onTeamHours, onGlobalHours] = [await makeUser("clinician"), await makeUser("clinician")];
    const patient = await makeUser("patient");
    const team = await makeCareTeam([onTeamHours.id], [patient.patientId!]);
    await makeCareTeam([onGlobalHours.id], [patient.patientId!]);
    await setTeamClinicHours(actorOf(admin), { teamId: team, hours: "12:00-18:00", days: "Mon-Sun", timeZone: "Europe/Paris" });
    const [changed] = await adminQuery("SELECT actor_id, details FROM audit_event WHERE action = 'care_team.clinic_hours' AND resource_id = $1", [team]);
    expect(changed).toEqual({ actor_id: admin.id, details: { before: { global: true }, after: { hours: "12:00-18:00", days: "Mon-Sun", timeZone: "Europe/Paris" } } });

    const readAt = async (iso: string) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(iso));
      for (const clinician of [onTeamHours, onGlobalHours]) await getChart(actorOf(clinician), patient.patientId!);
      vi.useRealTimers();
    };
    // Wednesday 11 March 2026, 09:00 UTC = 10:00 in Paris: before the team opens (12:00), inside the global 07:00-10:00 UTC.
    await readAt("2026-03-11T09:00:00.000Z");
    await runAlertRules(new Date("2026-03-11T09:05:00.000Z"));
    // Thursday 12 March, 13:00 UTC = 14:00 in Paris: the team is open, the global hours are over.
    await readAt("2026-03-12T13:00:00.000Z");
    await runAlertRules(new Date("2026-03-12T13:05:00.000Z"));
    expect((await alertsOf("after-hours-access", onTeamHours.id)).map((a) => a.details)).toEqual([
      expect.objectContaining({ localDate: "2026-03-11", timeZone: "Europe/Paris", clinicHours: "12:00-18:00", hoursOf: "care team" }),
    ]);
    expect((await alertsOf("after-hours-access", onGlobalHours.id)).map((a) => a.details)).toEqual([
      expect.objectContaining({ localDate: "2026-03-12", timeZone: "UTC", clinicHours: "07:00-10:00", hoursOf: "global" }),
    ]);
  });

  it("team hours are refused unless all three make sense, and only administrators may set them (the refusal logged)", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    const team = await makeCareTeam([clinician.id], []);
    for (const [bad, fields] of [
      [{ hours: "18:00-12:00", days: "Mon-Fri", timeZone: "UTC" }, ["hours"]],
      [{ hours: "08:00-18:00", days: "Fri-Mon", timeZone: "UTC" }, ["days"]],
      [{ hours: "08:00-18:00", days: "Mon-Fri", timeZone: "Mars/Olympus_Mons" }, ["timeZone"]],
      [{ hours: "08:00-18:00", days: "", timeZone: "" }, ["days", "timeZone"]],
    ] as const) {
      const error = await setTeamClinicHours(actorOf(admin), { teamId: team, ...bad }).then(() => null, (e: unknown) => e);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(ZodError);
      expect(Object.keys((error as ZodError).flatten().fieldErrors), JSON.stringify(bad)).toEqual(fields);
    }
    await expect(setTeamClinicHours(actorOf(clinician), { teamId: team, hours: "08:00-18:00", days: "Mon-Fri", timeZone: "UTC" })).rejects.toBeInstanceOf(AccessDenied);
    expect(await adminQuery("SELECT 1 FROM audit_event WHERE actor_id = $1 AND action = 'access.denied' AND details->>'permission' = 'careTeams.manage'", [clinician.id])).toHaveLength(1);
    expect(await adminQuery("SELECT clinic_hours, clinic_days, clinic_time_zone FROM care_team WHERE id = $1", [team])).toEqual([{ clinic_hours: null, clinic_days: null, clinic_time_zone: null }]);
    // Half a schedule cannot be written around the form either.
    await expect(adminQuery("UPDATE care_team SET clinic_hours = '08:00-18:00' WHERE id = $1", [team])).rejects.toThrow(/care_team_clinic_hours_together/);
  });

  it("a weekend read is after hours; the patient reading their own record is not watched", async () => {
    process.env.CLINIC_TIME_ZONE = "Europe/Paris";
    const clinician = await makeUser("clinician");
    const patient = await makeUser("patient");
    await makeCareTeam([clinician.id], [patient.patientId!]);
    vi.useFakeTimers({ toFake: ["Date"] });
    // Saturday 31 October 2026, 11:00 in Paris.
    vi.setSystemTime(new Date("2026-10-31T10:00:00.000Z"));
    await getChart(actorOf(clinician), patient.patientId!);
    await myRecord(actorOf(patient));
    vi.useRealTimers();
    await runAlertRules(new Date("2026-10-31T10:05:00.000Z"));
    expect(await alertsOf("after-hours-access", clinician.id)).toHaveLength(1);
    expect(await alertsOf("after-hours-access", patient.id)).toEqual([]);
  });
});

describe("schema changes", () => {
  it("DDL run as the owner, in one transaction, becomes signed audit events and one alert; the log still verifies", async () => {
    await withAdminClient(async (owner) => {
      await owner.query("BEGIN");
      await owner.query("CREATE TABLE rules_probe (id int)");
      await owner.query("ALTER TABLE rules_probe ADD COLUMN note text");
      await owner.query("DROP TABLE rules_probe");
      await owner.query("COMMIT");
    });
    await runTwiceConcurrently();
    await runAlertRules();
    const events = await adminQuery<{ seq: string; actor_role: string; resource_id: string; details: Record<string, string> }>(
      "SELECT seq::text, actor_role, resource_id, details FROM audit_event WHERE action = 'schema.change' AND resource_id = 'public.rules_probe' ORDER BY audit_event.seq",
    );
    expect(events.map((e) => [e.details.command, e.details.event])).toEqual([
      ["CREATE TABLE", "ddl_command_end"],
      ["ALTER TABLE", "ddl_command_end"],
      ["DROP TABLE", "sql_drop"],
    ]);
    const [{ owner } = { owner: "" }] = await adminQuery<{ owner: string }>("SELECT current_user AS owner");
    for (const e of events) expect(e).toMatchObject({ actor_role: "system", details: { dbUser: owner } });
    const alerts = await adminQuery<AlertRow>(
      "SELECT kind, severity, evidence::text[] FROM alert WHERE kind = 'schema_change' AND evidence && $1::bigint[]", [events.map((e) => e.seq)],
    );
    expect(alerts).toEqual([{ kind: "schema_change", severity: "high", evidence: events.map((e) => e.seq) }]);
    // Written through the application's writer, not by the trigger: sealed as genuine, not as forgeries.
    await sealAll();
    expect(await verifyAuditLog({ record: false })).toMatchObject({ ok: true });
  });

  it("a disabled event trigger is itself an alert, once a day", async () => {
    await adminQuery("ALTER EVENT TRIGGER custodia_sql_drop DISABLE");
    try {
      await runTwiceConcurrently();
      await runAlertRules();
      const alerts = await adminQuery<AlertRow>("SELECT severity, details FROM alert WHERE kind = 'schema_monitor_off'");
      expect(alerts).toEqual([{ severity: "high", details: { missing: ["custodia_sql_drop"] } }]);
    } finally {
      await adminQuery("ALTER EVENT TRIGGER custodia_sql_drop ENABLE");
    }
  });

  it("the one DDL a runtime connection may run, repeated in a loop, is one record, one audit event and one alert", async () => {
    const asClinician = { role: "clinician", actorId: (await makeUser("clinician")).id };
    for (let round = 0; round < 5; round++) {
      await asRuntimeConnection(asClinician, async (client) => {
        for (let i = 0; i < 20; i++) await client.query("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC");
      });
    }
    await runTwiceConcurrently();
    const events = await adminQuery<{ seq: string; details: Record<string, string> }>(
      "SELECT seq::text, details FROM audit_event WHERE action = 'schema.change' AND details->>'command' = 'ALTER DEFAULT PRIVILEGES'",
    );
    expect(events).toHaveLength(1);
    expect(await adminQuery("SELECT 1 FROM alert WHERE kind = 'schema_change' AND evidence && $1::bigint[]", [[events[0]!.seq]])).toHaveLength(1);
  });

  it("temporary tables (private to a session, never in the schema) are not recorded", async () => {
    const before = await adminQuery("SELECT 1 FROM ddl_event");
    await withAdminClient(async (owner) => {
      await owner.query("CREATE TEMP TABLE scratch (id int)");
      await owner.query("DROP TABLE scratch");
    });
    expect(await adminQuery("SELECT 1 FROM ddl_event")).toHaveLength(before.length);
  });
});

describe("audit integrity", () => {
  it("a forged row found by the scheduled verification becomes one critical alert pointing at the verification", async () => {
    await adminQuery(
      `INSERT INTO audit_event (occurred_at, action, outcome, details, writer_mac) VALUES (now(), 'auth.sign_in', 'allowed', '{}', 'forged')`,
    );
    const verify = scheduledTasks.find((task) => task.name === "audit-verify")!;
    const failure = await verify.run(noRequest, new Date()).then(() => "passed", (error: Error) => error.message);
    const [, firstBadSeq] = /^audit chain broken at position (\d+): inserted$/.exec(failure) ?? [];
    expect(firstBadSeq, failure).toBeDefined();
    await runTwiceConcurrently();
    await runAlertRules();
    const alerts = await adminQuery<AlertRow>("SELECT severity, details, evidence::text[] FROM alert WHERE kind = 'audit_integrity'");
    const [verification] = await adminQuery<{ seq: string }>("SELECT seq::text FROM audit_event WHERE action = 'audit.verify' ORDER BY audit_event.seq DESC LIMIT 1");
    expect(alerts).toEqual([{ severity: "critical", details: { firstBadSeq, tamper: "inserted" }, evidence: [verification!.seq] }]);
  });
});

describe("privilege changes (raised where they happen, not by the rules)", () => {
  it("a role change is one high-severity alert, and running the rules adds none", async () => {
    const admin = await makeUser("admin");
    const clinician = await makeUser("clinician");
    await changeRole(actorOf(admin), { userId: clinician.id, role: "auditor" });
    await runTwiceConcurrently();
    const alerts = await adminQuery<AlertRow>("SELECT kind, severity, window_key FROM alert WHERE details->>'userId' = $1", [clinician.id]);
    expect(alerts).toEqual([{ kind: "privilege_change", severity: "high", window_key: null }]);
  });
});

describe("the second wall around alerts, their outbox and the DDL record", () => {
  const as = (user: TestUser): SqlContext => ({ role: user.role, actorId: user.id, patientId: user.patientId ?? undefined });

  it("a runtime connection claiming a clinician cannot squat a rule's window key, read or forge DDL records, or touch the outbox", async () => {
    const clinician = await makeUser("clinician");
    await expect(asRuntimeRole("INSERT INTO alert (kind, rule, window_key) VALUES ('after_hours_access', 'after-hours-access', $1)", [`after-hours-access:${clinician.id}:2099-01-01`], as(clinician)))
      .rejects.toThrow(/row-level security/);
    await expect(asRuntimeRole("INSERT INTO alert (kind, evidence) VALUES ('lockout', '{1}')", [], as(clinician))).rejects.toThrow(/row-level security/);
    await expect(asRuntimeRole("INSERT INTO ddl_event (event, command_tag) VALUES ('ddl_command_end', 'DROP TABLE')", [], as(clinician))).rejects.toThrow(/permission denied/);
    expect(await asRuntimeRole("SELECT * FROM ddl_event", [], as(clinician))).toEqual([]);
    expect(await asRuntimeRole("UPDATE ddl_event SET processed_at = now() RETURNING id", [], as(clinician))).toEqual([]);
    expect(await asRuntimeRole("SELECT * FROM alert_delivery", [], as(clinician))).toEqual([]);
    const [alert] = await adminQuery<{ id: string }>("SELECT id FROM alert LIMIT 1");
    await expect(asRuntimeRole("INSERT INTO alert_delivery (alert_id, target, status) VALUES ($1, 'webhook', 'delivered')", [alert!.id], as(clinician))).rejects.toThrow(/row-level security/);
    // Nothing it tried left a trace of success: no alert for 2099, every DDL record still waiting or processed by the job.
    expect(await adminQuery("SELECT 1 FROM alert WHERE window_key LIKE '%2099-01-01'")).toEqual([]);
  });

  it("an auditor acknowledges an alert but cannot downgrade it, rewrite its evidence or mark a delivery done", async () => {
    const auditor = await makeUser("auditor");
    const [alert] = await adminQuery<{ id: string }>("SELECT id FROM alert WHERE rule IS NOT NULL LIMIT 1");
    await expect(asRuntimeRole("UPDATE alert SET severity = 'low' WHERE id = $1", [alert!.id], as(auditor))).rejects.toThrow(/permission denied/);
    await expect(asRuntimeRole("UPDATE alert SET evidence = '{}' WHERE id = $1", [alert!.id], as(auditor))).rejects.toThrow(/permission denied/);
    expect(await asRuntimeRole("UPDATE alert_delivery SET status = 'delivered' RETURNING alert_id", [], as(auditor))).toEqual([]);
    await acknowledgeAlert(actorOf(auditor), { alertId: alert!.id });
    expect(await adminQuery("SELECT acknowledged_by FROM alert WHERE id = $1", [alert!.id])).toEqual([{ acknowledged_by: auditor.id }]);
  });
});
