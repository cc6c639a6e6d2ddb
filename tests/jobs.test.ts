import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import PgBoss from "pg-boss";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AccessDenied } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withSystem } from "@/lib/db/transaction";
import { JOB_SCHEMA, startJobRunner, type JobRunner } from "@/lib/jobs/runner";
import { scheduledTasks, type ScheduledTask } from "@/lib/jobs/tasks";
import { submitRequest } from "@/lib/services/data-requests";
import { recentJobRuns } from "@/lib/services/job-history";
import { adminQuery, isEmbedded, testDatabaseUrl, withAdminClient } from "./helpers/db";
import { actorOf, confirmedErasure, identity, makeStaff, makeUser, type TestUser } from "./helpers/fixtures";
import { asRuntimeConnection } from "./helpers/runtime-role";

vi.hoisted(() => {
  // Erasures are due as soon as they are asked for, so the erasure job has work at once.
  process.env.ERASURE_GRACE_SECONDS = "0";
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runners: JobRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function start(tasks: ScheduledTask[], options: { maintenanceIntervalSeconds?: number } = {}): Promise<JobRunner> {
  const runner = await startJobRunner({ ownerUrl: testDatabaseUrl(), tasks, pollingIntervalSeconds: 0.5, cronMonitorIntervalSeconds: 1, ...options });
  runners.push(runner);
  return runner;
}

interface RunRow { task: string; attempt: number; status: string; error: string | null; summary: Record<string, unknown> }

async function runsOf(task: string): Promise<RunRow[]> {
  return adminQuery<RunRow>("SELECT task, attempt, status, error, summary FROM job_run WHERE task = $1 ORDER BY started_at, attempt", [task]);
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const tick = (name: string, cron: string, run: ScheduledTask["run"], more: Partial<ScheduledTask> = {}): ScheduledTask => ({
  name, cron, description: name, retryLimit: 0, expireInMinutes: 5, run, ...more,
});

/** Process ids whose parent is `pid` and whose command line holds `holding` (Linux /proc). */
function childrenOf(pid: number, holding: string): number[] {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return parent === pid && readFileSync(`/proc/${name}/cmdline`, "utf8").includes(holding) ? [Number(name)] : [];
    } catch {
      return []; // exited while we looked
    }
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let admin: TestUser;
let auditor: TestUser;
let clinician: TestUser;

beforeAll(async () => {
  ({ admin, auditor, clinician } = await makeStaff());
});

describe("the job runner", () => {
  it("runs a scheduled job once per period with two runners started together, audited as the system", { timeout: 150_000 }, async () => {
    const task = tick("every-minute", "* * * * *", async (request) => {
      await withSystem(request, async ({ audit }) => audit({ action: "test.tick" }));
      return { ticked: true };
    });
    // A run is counted in the minute it starts. Started late in a minute, the first period's run can start in the
    // next minute beside that minute's own (one run per period, two in one minute), so start early in a minute.
    const second = new Date().getUTCSeconds();
    if (second > 30) await sleep((65 - second) * 1000);
    // Two instances of the app, started at the same moment, each checking the schedule every second.
    await Promise.all([start([task]), start([task])]);
    await until("the first scheduled run", async () => (await runsOf("every-minute")).some((r) => r.status === "succeeded"), 90_000);
    // The schedule was checked by both instances many times in this minute; still one run per minute (the wait
    // may cross into the next minute, which then has its own).
    await sleep(8_000);
    const runs = await runsOf("every-minute");
    for (const run of runs) expect(run).toEqual({ task: "every-minute", attempt: 1, status: "succeeded", error: null, summary: { ticked: true } });
    const perMinute = await adminQuery<{ runs: number }>(
      "SELECT count(*)::int AS runs FROM job_run WHERE task = 'every-minute' GROUP BY date_trunc('minute', started_at)",
    );
    expect(perMinute.map((m) => m.runs)).toEqual(runs.map(() => 1));
    const ticks = await adminQuery("SELECT actor_role FROM audit_event WHERE action = 'test.tick'");
    expect(ticks).toEqual(runs.map(() => ({ actor_role: "system" })));
    const finished = await adminQuery("SELECT actor_role, outcome, request_id FROM audit_event WHERE action = 'job.finish' AND details->>'task' = 'every-minute'");
    expect(finished).toEqual(runs.map(() => ({ actor_role: "system", outcome: "allowed", request_id: expect.stringMatching(/^job:/) })));
  });

  it("retries a failing job, and the history shows each attempt with its error to admins and auditors only", async () => {
    let calls = 0;
    const flaky = tick("flaky", "0 0 1 1 *", async () => {
      calls += 1;
      if (calls === 1) throw new Error("checkpoint folder not writable");
      return { calls };
    }, { retryLimit: 2, retryDelaySeconds: 1 });
    const runner = await start([flaky]);
    await runner.enqueue("flaky");
    await until("the retry to succeed", async () => (await runsOf("flaky")).some((r) => r.status === "succeeded"), 30_000);
    expect(await runsOf("flaky")).toEqual([
      { task: "flaky", attempt: 1, status: "failed", error: "checkpoint folder not writable", summary: {} },
      { task: "flaky", attempt: 2, status: "succeeded", error: null, summary: { calls: 2 } },
    ]);
    for (const reader of [admin, auditor]) {
      const seen = (await recentJobRuns(actorOf(reader))).filter((r) => r.task === "flaky");
      expect(seen.map((r) => [r.attempt, r.status, r.error])).toEqual([[2, "succeeded", null], [1, "failed", "checkpoint folder not writable"]]);
    }
    const failed = await adminQuery("SELECT actor_role, outcome, details->>'error' AS error FROM audit_event WHERE action = 'job.finish' AND details->>'task' = 'flaky' AND outcome = 'error'");
    expect(failed).toEqual([{ actor_role: "system", outcome: "error", error: "checkpoint folder not writable" }]);
  });

  it("keeps the queue out of the runtime role's reach, and lets only the system write the history", async () => {
    await start([]);
    // Even a genuine system context over the app's connection: no grant on pg-boss's schema.
    await expect(asRuntimeConnection({ role: "system" }, (c) => c.query("SELECT id FROM pgboss.job"))).rejects.toThrow(/permission denied/);
    await expect(asRuntimeConnection({ role: "system" }, (c) => c.query("INSERT INTO pgboss.schedule (name, cron) VALUES ('erasure-processing', '* * * * *')")))
      .rejects.toThrow(/permission denied/);
    for (const context of [{ role: "admin", actorId: admin.id }, { role: "auditor", actorId: auditor.id }]) {
      await expect(asRuntimeConnection(context, (c) => c.query("INSERT INTO job_run (job_id, task, attempt, status) VALUES ('forged', 'erasure-processing', 1, 'succeeded')")))
        .rejects.toThrow(/row-level security/);
      const { rowCount } = await asRuntimeConnection(context, (c) => c.query("UPDATE job_run SET status = 'succeeded', error = NULL WHERE status = 'failed'"));
      expect(rowCount).toBe(0);
    }
    expect(await adminQuery("SELECT 1 FROM job_run WHERE job_id = 'forged'")).toEqual([]);
  });

  it("shows the history to nobody else: a clinician is refused, and the refusal is logged", async () => {
    await expect(recentJobRuns(actorOf(clinician))).rejects.toBeInstanceOf(AccessDenied);
    const denied = await adminQuery<{ action: string; permission: string }>(
      "SELECT action, details->>'permission' AS permission FROM audit_event WHERE actor_id = $1 AND outcome = 'denied'",
      [clinician.id],
    );
    expect(denied).toEqual([{ action: "access.denied", permission: "jobs.read" }]);
  });

  it("resumes the erasure job after its process was killed mid-run, erasing nobody twice", { skip: isEmbedded(), timeout: 150_000 }, async () => {
    const patients: TestUser[] = [];
    for (const mrn of ["JOBKILL-1", "JOBKILL-2", "JOBKILL-3"]) {
      const p = await makeUser("patient", { patient: identity({ mrn }) });
      await submitRequest(actorOf(p), { ...confirmedErasure });
      patients.push(p);
    }
    const [, second] = await adminQuery<{ id: string }>("SELECT id FROM data_request WHERE kind = 'erasure' ORDER BY execute_after");
    const erasure = scheduledTasks.find((t) => t.name === "erasure-processing")!;
    await withAdminClient(async (holder) => {
      // The second patient's request is held, so the worker erases the first, then waits there.
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM data_request WHERE id = $1 FOR UPDATE", [second!.id]);
      const worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/worker.ts"], { env: process.env, stdio: "ignore" });
      const boss = new PgBoss({ connectionString: testDatabaseUrl(), schema: JOB_SCHEMA, schedule: false, supervise: false, migrate: false, max: 1 });
      try {
        await until("the worker's queues", async () => (await adminQuery("SELECT 1 FROM pgboss.queue WHERE name = 'erasure-processing'")).length > 0, 60_000);
        await boss.start();
        await boss.send("erasure-processing", {});
        await until("the first erasure", async () => (await adminQuery("SELECT 1 FROM audit_event WHERE action = 'erasure.execute'")).length === 1, 60_000);
        await until("the worker to wait on the second", async () =>
          (await adminQuery("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).length > 0, 30_000);
        worker.kill("SIGKILL");
        await once(worker, "exit");
      } finally {
        await boss.stop({ graceful: false, wait: true });
        await holder.query("ROLLBACK");
      }
    });
    // Time passes: the dead process's run outlives its expiry, and the retry is due at once.
    await adminQuery("UPDATE pgboss.job SET started_on = now() - expire_in - interval '1 second', retry_delay = 0 WHERE name = 'erasure-processing' AND state = 'active'");
    await start([erasure], { maintenanceIntervalSeconds: 1 });
    await until("the resumed run", async () => (await runsOf("erasure-processing")).some((r) => r.status === "succeeded"), 60_000);

    expect((await runsOf("erasure-processing")).map((r) => [r.attempt, r.status, r.summary])).toEqual([
      [1, "abandoned", {}],
      [2, "succeeded", { executed: 2 }],
    ]);
    for (const p of patients) {
      const executed = await adminQuery("SELECT actor_role FROM audit_event WHERE action = 'erasure.execute' AND patient_pseudonym = $1", [pseudonym(p.patientId!)]);
      expect(executed, p.email).toEqual([{ actor_role: "system" }]);
    }
    expect(await adminQuery("SELECT status FROM data_request WHERE kind = 'erasure' AND status <> 'completed'")).toEqual([]);
  });

  it("a job runner started by the server stops when the server is SIGKILLed, instead of running on alone", { skip: isEmbedded(), timeout: 150_000 }, async () => {
    const server = spawn(process.execPath, ["--import", "tsx", "tests/helpers/supervising-parent.ts"], { env: process.env, stdio: "ignore" });
    let runner = 0;
    try {
      runner = await until("the supervised runner", async () => childrenOf(server.pid!, "scripts/worker.ts")[0], 30_000);
      await until("the runner's queues", async () =>
        (await adminQuery("SELECT 1 FROM pgboss.queue WHERE name = 'alert-rules'").catch(() => [])).length > 0, 60_000);
      server.kill("SIGKILL");
      await once(server, "exit");
      // A graceful stop lets a running job finish (up to 30 s), as on SIGTERM.
      await until("the orphaned runner to stop", async () => !alive(runner), 60_000);
    } finally {
      if (alive(runner)) process.kill(runner, "SIGKILL");
    }
    expect(alive(runner)).toBe(false);
  });
});
