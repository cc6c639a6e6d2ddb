import "server-only";
import PgBoss from "pg-boss";
import type { RequestMeta } from "@/lib/access/actor";
import { withConnection } from "@/lib/db/connection";
import { recordRunFinish, recordRunStart } from "@/lib/services/job-history";
import { log } from "@/lib/ops/log";
import { scheduledTasks, type ScheduledTask } from "./tasks";

/** pg-boss's tables live here, owned by the owner role; the runtime role has no grant on the schema. */
export const JOB_SCHEMA = "pgboss";
const SETUP_LOCK_KEY = 7_364_291_020n;

export interface JobRunnerOptions {
  /** The owner's connection (MIGRATION_DATABASE_URL): pg-boss creates and migrates its own schema. */
  ownerUrl: string;
  tasks?: ScheduledTask[];
  /** How often an idle worker asks for a job (also the embedded database's only wake-up: no LISTEN/NOTIFY). */
  pollingIntervalSeconds?: number;
  /** How often an instance checks the schedules (one instance per interval does, through the database). */
  cronMonitorIntervalSeconds?: number;
  /** How often expired runs (a process that died) are failed and retried. */
  maintenanceIntervalSeconds?: number;
  /** Connections this runner may open. */
  poolSize?: number;
}

export interface JobRunner {
  /** Queues one run of a task now, outside its schedule (the tests use it). */
  enqueue(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** What the audit log and the history record for a job's work: no address, the job as the request. */
function jobRequest(jobId: string): RequestMeta {
  return { ip: null, userAgent: "custodia-jobs", requestId: `job:${jobId}` };
}

/** The error as the history and the audit log keep it: its message, bounded. */
function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}

async function runRecorded(task: ScheduledTask, job: PgBoss.JobWithMetadata): Promise<void> {
  const request = jobRequest(job.id);
  const attempt = job.retryCount + 1;
  const runId = await recordRunStart(request, { jobId: job.id, task: task.name, attempt });
  try {
    const summary = await task.run(request, new Date());
    await recordRunFinish(request, runId, { ok: true, summary });
  } catch (error) {
    log().error({ err: error, task: task.name, attempt }, "scheduled job failed");
    await recordRunFinish(request, runId, { ok: false, error: errorText(error) });
    // Thrown on to pg-boss, which retries the job while attempts remain.
    throw error;
  }
}

/** One queue per task (a singleton queue: one run at a time), its schedule, and this instance's worker. */
async function setUp(boss: PgBoss, tasks: ScheduledTask[], pollingIntervalSeconds: number): Promise<void> {
  for (const task of tasks) {
    const queue: PgBoss.Queue = {
      name: task.name,
      policy: "singleton",
      retryLimit: task.retryLimit,
      retryDelay: task.retryDelaySeconds ?? 60,
      retryBackoff: true,
      expireInSeconds: task.expireInMinutes * 60,
    };
    await boss.createQueue(task.name, queue);
    // A queue created by an older build keeps its settings otherwise.
    await boss.updateQueue(task.name, queue);
    await boss.schedule(task.name, task.cron, {}, { tz: "UTC" });
    await boss.work<object>(task.name, { pollingIntervalSeconds, includeMetadata: true }, async ([job]) => {
      if (job) await runRecorded(task, job);
    });
  }
}

/**
 * Starts the job runner (docs/decisions/0011-job-runner.md): pg-boss over the owner's connection, one queue
 * per task with its schedule, retries and expiry. Any number of runners may share one database: a schedule
 * produces one job per period (pg-boss elects one cron check per interval and de-duplicates the sends), and
 * each queue is a singleton queue, so one job of a task runs at a time across every instance.
 */
export async function startJobRunner(options: JobRunnerOptions): Promise<JobRunner> {
  const tasks = options.tasks ?? scheduledTasks;
  const boss = new PgBoss({
    connectionString: options.ownerUrl,
    schema: JOB_SCHEMA,
    application_name: "custodia-jobs",
    max: options.poolSize ?? 3,
    cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds ?? 30,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 120,
    // Completed and failed jobs move to pg-boss's archive after a day and leave it after a week; the
    // history people read is job_run, in the public schema behind row-level security.
    archiveCompletedAfterSeconds: 86_400,
    deleteAfterDays: 7,
  });
  boss.on("error", (error) => log().error({ err: error }, "job runner error"));
  await boss.start();
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 5;
  // Instances starting together would create the same queues at once, and pg-boss's create_queue (a table
  // per queue) deadlocks against itself: one instance at a time sets the queues and schedules up.
  await withConnection(options.ownerUrl, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK_KEY.toString()]);
    try {
      await setUp(boss, tasks, pollingIntervalSeconds);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK_KEY.toString()]);
    }
  });
  return {
    async enqueue(name) {
      if (!tasks.some((t) => t.name === name)) throw new Error(`no scheduled task named ${name}`);
      const id = await boss.send(name, {});
      if (!id) throw new Error(`${name} is already queued`);
      return id;
    },
    // Graceful: running jobs finish (up to 30 s) before the connections close.
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 30_000 }),
  };
}
