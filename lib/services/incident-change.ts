import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { withActor, type ActorContext } from "@/lib/db/transaction";
import type { Incident } from "@/lib/db/generated/client";
import { syncTasks, type TaskChanges } from "./incident-tasks";
import { json } from "./incident-text";

/**
 * One change to one incident: authorized, in one transaction with the incident row locked (two people
 * editing at once are applied one after the other), refused once the incident is closed, and followed by
 * the notification tasks the new state requires. `work` returns the audit event's before/after.
 * `committedFirst` runs once authorized and before the transaction, for what must be committed before the work
 * reads (the affected-patient lookups' own audit events, migration 0038).
 */
export async function changeIncident(
  actor: Actor,
  incidentId: string,
  action: string,
  work: (ctx: ActorContext, incident: Incident) => Promise<{ before: Record<string, unknown>; after: Record<string, unknown> }>,
  committedFirst?: () => Promise<void>,
): Promise<TaskChanges> {
  await authorize(actor, "incidents.manage", { resourceType: "incident", resourceId: incidentId });
  await committedFirst?.();
  return withActor(actor, async (ctx) => {
    const locked = await ctx.tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM incident WHERE id = ${incidentId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new NotFound("incident");
    const incident = await ctx.tx.incident.findUniqueOrThrow({ where: { id: incidentId } });
    if (incident.status === "closed") throw new Conflict("This incident is closed and can no longer be changed.");
    // Stamped before the work: once `work` has closed the incident, the database refuses any further change.
    await ctx.tx.incident.update({ where: { id: incidentId }, data: { updatedAt: new Date() } });
    const { before, after } = await work(ctx, incident);
    const updated = await ctx.tx.incident.findUniqueOrThrow({ where: { id: incidentId } });
    const tasks = await syncTasks(ctx.tx, updated);
    ctx.audit({ action, resourceType: "incident", resourceId: incidentId, details: json({ before, after, tasks }) });
    return tasks;
  });
}
