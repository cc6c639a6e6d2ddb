/**
 * Load (issue 9, performance): the production build on real PostgreSQL with 50 virtual users for 60 s, each
 * sending its next request as soon as the last one answered: clinicians open charts (the JSON route) and
 * search by MRN, patients read their record, auditors browse events. One more client asks for the static
 * sign-in page throughout: the floor, what the same server answers with no database, session or cipher work.
 * Prints p50/p95/p99 per page kind, throughput, errors, and the audit rows written during the run against
 * the PHI responses served: every 200 must have its row, exactly. Exit code 1 on any error or mismatch.
 * BENCH_SCALE shrinks users and duration (0.1: 5 users for 6 s).
 */
import pg from "pg";
import { demoMrn, demoPatientTeam, PATIENT_COUNT, patientEmail, staffAccounts } from "@/lib/demo/accounts";
import { callAction, signIn, startPortal, type CookieJar } from "./load-http";
import { ms, percentile, printTable, ratio, scaled, scratchDatabase, type SummaryRow } from "./support";

interface Kind {
  name: string;
  /** The audit action one successful response writes, once. */
  audit: string;
  role: "clinician" | "patient" | "auditor";
  /** "ok" when the response carried the PHI (or audit log) it was asked for, else what came instead. */
  request(session: Session): Promise<string>;
}

interface Session {
  base: string;
  jar: CookieJar;
  chartIds: string[];
  mrns: string[];
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function get(base: string, path: string, cookie = ""): Promise<string> {
  const response = await fetch(`${base}${path}`, { redirect: "manual", headers: { cookie } });
  await response.arrayBuffer();
  return response.status === 200 ? "ok" : String(response.status);
}

const kinds: Kind[] = [
  { name: "chart (JSON)", audit: "chart.read", role: "clinician", request: (s) => get(s.base, `/api/clinician/patients/${pick(s.chartIds)}`, s.jar.header()) },
  {
    name: "MRN search",
    audit: "patient.search.query",
    role: "clinician",
    request: async (s) => {
      const response = await callAction(s.base, "/clinician", "searchPatientsAction", { by: "mrn", mrn: pick(s.mrns) }, s.jar);
      // A refused search also answers 200 (the form shows the error): only {ok:true} carried results.
      const text = await response.text();
      if (response.status !== 200) return String(response.status);
      return text.includes('"ok":true') ? "ok" : "refused";
    },
  },
  { name: "my record", audit: "self.record.read", role: "patient", request: (s) => get(s.base, "/patient/record", s.jar.header()) },
  { name: "audit events", audit: "audit.read", role: "auditor", request: (s) => get(s.base, "/auditor/events", s.jar.header()) },
];

interface Tally {
  times: number[];
  ok: number;
  /** Failed requests by what came instead: a status code, "refused" (a search's form error) or "network". */
  failures: Map<string, number>;
}

const tally = (): Tally => ({ times: [], ok: 0, failures: new Map() });
const failed = (t: Tally) => [...t.failures.values()].reduce((n, k) => n + k, 0);

async function loop(until: number, into: Tally, request: () => Promise<string>): Promise<void> {
  while (Date.now() < until) {
    const start = performance.now();
    const outcome = await request().catch(() => "network");
    into.times.push(performance.now() - start);
    if (outcome === "ok") into.ok += 1;
    else into.failures.set(outcome, (into.failures.get(outcome) ?? 0) + 1);
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Virtual user i's account: clinicians and auditors in turn, patients 02..50 (patient01 has TOTP, skipped). */
function accountFor(kind: Kind, i: number): string {
  if (kind.role === "patient") return patientEmail(2 + (i % (PATIENT_COUNT - 1)));
  const staff = staffAccounts.filter((a) => a.role === kind.role && a.totpSecret);
  return staff[i % staff.length]!.email;
}

export async function run(): Promise<SummaryRow[]> {
  const users = scaled(50, 5);
  const seconds = scaled(60, 5);
  const db = await scratchDatabase("load");
  let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
  try {
    console.log(`\nload: starting the production build on ${db.url.replace(/\/\/[^@]*@/, "//")} and seeding the demo data`);
    portal = await startPortal(db.url);
    const teams = await query<{ name: string; patient_id: string }>(db.url,
      "SELECT t.name, p.patient_id FROM care_team t JOIN care_team_patient p ON p.team_id = t.id");
    const sessions = new Map<string, Session>();
    const vus: { kind: Kind; session: Session }[] = [];
    for (let i = 0; i < users; i++) {
      const kind = kinds[i % kinds.length]!;
      const email = accountFor(kind, Math.floor(i / kinds.length));
      if (!sessions.has(email)) {
        const team = staffAccounts.find((a) => a.email === email)?.team;
        sessions.set(email, {
          base: portal.base,
          jar: await signIn(portal.base, email),
          chartIds: teams.filter((t) => t.name === team).map((t) => t.patient_id),
          mrns: Array.from({ length: PATIENT_COUNT }, (_, n) => n + 1).filter((n) => demoPatientTeam(n) === team).map(demoMrn),
        });
      }
      vus.push({ kind, session: sessions.get(email)! });
    }
    console.log(`load: ${sessions.size} users signed in; ${users} virtual users for ${seconds} s, plus one floor client on /sign-in`);

    // After the sign-ins: their home pages write audit rows of their own.
    const [{ seq: startSeq } = { seq: "0" }] = await query<{ seq: string }>(db.url, "SELECT coalesce(max(seq), 0)::text AS seq FROM audit_event");
    const tallies = new Map(kinds.map((k) => [k.name, tally()]));
    const floor = tally();
    const cpuBefore = portal.cpuSeconds();
    const began = performance.now();
    const until = Date.now() + seconds * 1000;
    await Promise.all([
      ...vus.map(({ kind, session }) => loop(until, tallies.get(kind.name)!, () => kind.request(session))),
      loop(until, floor, () => get(portal!.base, "/sign-in")),
    ]);
    const elapsed = (performance.now() - began) / 1000;
    const cpuAfter = portal.cpuSeconds();
    const counts = new Map((await query<{ action: string; n: string }>(db.url,
      "SELECT action, count(*) AS n FROM audit_event WHERE seq > $1 AND action = ANY($2) GROUP BY action",
      [startSeq, kinds.map((k) => k.audit)])).map((r) => [r.action, Number(r.n)]));

    const errors = (t: Tally) => (t.failures.size === 0 ? "0" : `${failed(t)} (${[...t.failures].map(([what, n]) => `${what}×${n}`).join(", ")})`);
    const row = (name: string, t: Tally) => [name, String(t.times.length), errors(t), ms(percentile(t.times, 50)), ms(percentile(t.times, 95)), ms(percentile(t.times, 99)), `${(t.times.length / elapsed).toFixed(1)}/s`];
    const phi = kinds.map((k) => tallies.get(k.name)!);
    const phiTimes = phi.flatMap((t) => t.times);
    const all: Tally = { times: phiTimes, ok: phi.reduce((n, t) => n + t.ok, 0), failures: new Map() };
    for (const [what, n] of phi.flatMap((t) => [...t.failures])) all.failures.set(what, (all.failures.get(what) ?? 0) + n);
    console.log(`\nLoad: ${users} virtual users, ${elapsed.toFixed(1)} s, closed loop (no think time)`);
    printTable(["page kind", "requests", "errors", "p50", "p95", "p99", "throughput"], [
      ...kinds.map((k) => row(k.name, tallies.get(k.name)!)),
      row("all PHI kinds", all),
      row("floor: /sign-in", floor),
    ]);
    if (cpuBefore !== undefined && cpuAfter !== undefined) {
      // What each request cost the server's CPU, whatever else the machine ran: comparable across runs
      // where the latencies, queued behind other engineers' processes, are not.
      const served = phiTimes.length + floor.times.length;
      console.log(`Server CPU: ${(cpuAfter - cpuBefore).toFixed(1)} s over ${elapsed.toFixed(1)} s (${((cpuAfter - cpuBefore) / elapsed * 100).toFixed(0)}% of a core), ${ms(((cpuAfter - cpuBefore) * 1000) / served)} per request (PHI and floor)`);
    }
    const floorP50 = percentile(floor.times, 50);
    const phiP50 = percentile(phiTimes, 50);
    console.log(`PHI p50 / floor p50 on the same server at the same time: ${ratio(phiP50 / floorP50)}`);

    console.log("\nAudit rows written during the run vs PHI responses served (200)");
    let mismatches = 0;
    printTable(["page kind", "audit action", "PHI responses", "audit rows", "check"], kinds.map((k) => {
      const served = tallies.get(k.name)!.ok;
      const rows = counts.get(k.audit) ?? 0;
      if (rows !== served) mismatches += 1;
      return [k.name, k.audit, String(served), String(rows), rows === served ? "match" : "MISMATCH"];
    }));
    const failures = failed(all) + failed(floor);
    if (failures > 0 || mismatches > 0) {
      // The figures above still print; the exit code tells a script that the run is not clean.
      console.error(`load: ${failures} failed requests, ${mismatches} audit mismatches`);
      process.exitCode = 1;
    }
    return [{ benchmark: "load", measure: `PHI p50 vs /sign-in p50, ${users} users`, ours: ms(phiP50), baseline: ms(floorP50), ratio: phiP50 / floorP50 }];
  } finally {
    await portal?.stop();
    await db.drop();
  }
}
