import "server-only";
import type { Actor } from "@/lib/access/actor";
import { noRequest } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { config } from "@/lib/config";
import { requiredNotices, type GdprRisk, type RiskConclusion, type TaskKind } from "@/lib/incidents/clocks";
import type { Incident } from "@/lib/db/generated/client";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { completeTaskSchema } from "@/lib/validation/incidents";
import { json, sealIncidentText } from "./incident-text";

export interface TaskChanges {
  added: TaskKind[];
  dropped: TaskKind[];
  moved: TaskKind[];
}

/**
 * Makes the incident's open tasks match what the clocks require now: missing ones are added, deadlines
 * follow a changed time or count, and tasks no longer required are set aside (never deleted: the history
 * stays). A moved deadline may fall due again, so its overdue alert is re-armed. Done tasks stay done.
 */
export async function syncTasks(tx: Tx, incident: Incident): Promise<TaskChanges> {
  const changes: TaskChanges = { added: [], dropped: [], moved: [] };
  if (incident.status === "closed") return changes;
  const required = requiredNotices({
    discoveredAt: incident.discoveredAt,
    awareAt: incident.awareAt,
    riskConclusion: incident.riskConclusion as RiskConclusion | null,
    gdprRisk: incident.gdprRisk as GdprRisk | null,
    affectedCount: incident.affectedCount,
    stateCounts: incident.stateCounts as Record<string, number>,
    timeZone: config().incidentTimeZone,
  });
  const existing = new Map((await tx.incidentTask.findMany({ where: { incidentId: incident.id } })).map((t) => [t.kind as TaskKind, t]));
  for (const notice of required) {
    const task = existing.get(notice.kind);
    if (!task) {
      await tx.incidentTask.create({ data: { incidentId: incident.id, kind: notice.kind, dueAt: notice.dueAt } });
      changes.added.push(notice.kind);
    } else if (task.status === "not_required" || (task.status === "open" && task.dueAt.getTime() !== notice.dueAt.getTime())) {
      await tx.incidentTask.update({ where: { id: task.id }, data: { status: "open", dueAt: notice.dueAt, overdueAlertedAt: null } });
      (task.status === "open" ? changes.moved : changes.added).push(notice.kind);
    }
  }
  const stillRequired = new Set(required.map((n) => n.kind));
  for (const [kind, task] of existing) {
    if (task.status === "open" && !stillRequired.has(kind)) {
      await tx.incidentTask.update({ where: { id: task.id }, data: { status: "not_required" } });
      changes.dropped.push(kind);
    }
  }
  return changes;
}

/**
 * A notice was sent: what, to whom and where the proof is (evidence). Late notices need their reasons
 * (GDPR Art. 33(1): "accompanied by reasons for the delay"; the register asks the same of every late task).
 */
export async function completeTask(actor: Actor, raw: unknown, now = new Date()): Promise<void> {
  const input = completeTaskSchema.parse(raw);
  await authorize(actor, "incidents.manage", { resourceType: "incident_task", resourceId: input.taskId });
  await withActor(actor, async (ctx) => {
    const task = await ctx.tx.incidentTask.findUnique({ where: { id: input.taskId }, include: { incident: true } });
    if (!task) throw new NotFound("notification task");
    if (task.incident.status === "closed") throw new Conflict("This incident is closed and can no longer be changed.");
    if (task.status !== "open") throw new Conflict("This notification is not waiting to be sent.");
    const late = now > task.dueAt;
    if (late && !input.delayReason) {
      throw new InvalidInput("This notification is late: record the reasons for the delay.", { delayReason: ["This notification is late: give the reasons for the delay."] });
    }
    const updated = await ctx.tx.incidentTask.updateMany({
      where: { id: task.id, status: "open" },
      data: {
        status: "done",
        completedAt: now,
        completedBy: actor.userId,
        evidenceEnc: sealIncidentText("incident_task", "evidence_enc", task.id, input.evidence),
        delayReasonEnc: late ? sealIncidentText("incident_task", "delay_reason_enc", task.id, input.delayReason!) : null,
      },
    });
    if (updated.count === 0) throw new Conflict("This notification is not waiting to be sent.");
    ctx.audit({
      action: "incident.task_complete",
      resourceType: "incident",
      resourceId: task.incidentId,
      details: json({ task: task.kind, before: { status: "open" }, after: { status: "done", late, dueAt: task.dueAt } }),
    });
  });
}

/**
 * For the job runner (scheduled every few minutes; nothing here schedules it): every open notification task
 * of an open incident past its deadline becomes one `incident_overdue` alert, once. The claim is one UPDATE
 * whose WHERE re-checks `overdue_alerted_at IS NULL` under the row lock, so two instances running it at the
 * same moment raise each alert exactly once. Runs as `system`; returns how many alerts were raised.
 */
export async function raiseOverdueIncidentAlerts(now: Date = new Date()): Promise<number> {
  return withSystem(noRequest, async (ctx) => {
    const claimed = await ctx.tx.$queryRaw<{ id: string; incident_id: string; kind: string; due_at: Date }[]>`
      UPDATE incident_task t SET overdue_alerted_at = ${now}
      FROM incident i
      WHERE i.id = t.incident_id AND i.status = 'open' AND t.status = 'open'
        AND t.due_at < ${now} AND t.overdue_alerted_at IS NULL
      RETURNING t.id::text, t.incident_id::text, t.kind, t.due_at`;
    if (claimed.length === 0) return 0;
    await ctx.tx.alert.createMany({
      data: claimed.map((t) => ({ kind: "incident_overdue", details: json({ incidentId: t.incident_id, taskId: t.id, task: t.kind, dueAt: t.due_at }) })),
    });
    for (const t of claimed) {
      ctx.audit({ action: "incident.task_overdue", resourceType: "incident", resourceId: t.incident_id, details: json({ task: t.kind, dueAt: t.due_at }) });
    }
    return claimed.length;
  });
}
