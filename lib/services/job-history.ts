import "server-only";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import type { JsonValue } from "@/lib/audit/canonical";
import { withActor, withSystem } from "@/lib/db/transaction";
import { scheduledTasks } from "@/lib/jobs/tasks";

export interface JobRunView {
  id: string;
  task: string;
  attempt: number;
  status: "running" | "succeeded" | "failed" | "abandoned";
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  summary: JsonValue;
}

/**
 * An attempt starts: its row, as the system. A row of the same job still "running" belonged to a process that
 * died mid-run (pg-boss expired it and handed the job on): it is marked abandoned.
 */
export async function recordRunStart(request: RequestMeta, run: { jobId: string; task: string; attempt: number }): Promise<string> {
  return withSystem(request, async ({ tx, audit }) => {
    const abandoned = await tx.jobRun.updateMany({ where: { jobId: run.jobId, status: "running" }, data: { status: "abandoned" } });
    const row = await tx.jobRun.create({ data: { ...run, status: "running" }, select: { id: true } });
    audit({ action: "job.start", resourceType: "job", resourceId: run.jobId, details: { task: run.task, attempt: run.attempt, abandonedEarlier: abandoned.count } });
    return row.id;
  });
}

/** An attempt ends: succeeded with what it did, or failed with the error; audited as the system. */
export async function recordRunFinish(
  request: RequestMeta,
  runId: string,
  result: { ok: true; summary: { [key: string]: JsonValue } } | { ok: false; error: string },
): Promise<void> {
  await withSystem(request, async ({ tx, audit }) => {
    const row = await tx.jobRun.update({
      where: { id: runId },
      data: result.ok
        ? { status: "succeeded", finishedAt: new Date(), summary: result.summary }
        : { status: "failed", finishedAt: new Date(), error: result.error },
    });
    audit({
      action: "job.finish",
      outcome: result.ok ? "allowed" : "error",
      resourceType: "job",
      resourceId: row.jobId,
      details: { task: row.task, attempt: row.attempt, ...(result.ok ? { summary: result.summary } : { error: result.error }) },
    });
  });
}

/** The most recent attempts of every scheduled job, newest first (administrators and auditors). */
export async function recentJobRuns(actor: Actor, limit = 50): Promise<JobRunView[]> {
  await authorize(actor, "jobs.read");
  return withActor(actor, async ({ tx }) => {
    const rows = await tx.jobRun.findMany({ orderBy: { startedAt: "desc" }, take: limit });
    return rows.map((r) => ({
      id: r.id,
      task: r.task,
      attempt: r.attempt,
      status: r.status as JobRunView["status"],
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      error: r.error,
      summary: r.summary as JsonValue,
    }));
  });
}

export interface ScheduleView {
  task: string;
  cron: string;
  description: string;
}

/** What runs when (lib/jobs/tasks.ts), for the same readers as the history. */
export async function jobSchedule(actor: Actor): Promise<ScheduleView[]> {
  await authorize(actor, "jobs.read");
  return scheduledTasks.map((t) => ({ task: t.name, cron: t.cron, description: t.description }));
}
