import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { config } from "@/lib/config";
import { countdown, formatInZone, mediaStates, type GdprRisk, type RiskConclusion, type TaskKind } from "@/lib/incidents/clocks";
import type { Incident, IncidentTask } from "@/lib/db/generated/client";
import { withActor, type Tx } from "@/lib/db/transaction";
import { closeIncidentSchema, incidentIdSchema, incidentTimesSchema, openIncidentSchema, riskAssessmentSchema, stateCountsSchema } from "@/lib/validation/incidents";
import { changeIncident } from "./incident-change";
import { affectedPseudonyms, criteriaFromAlerts, logLookups, replaceAffected } from "./incident-patients";
import { syncTasks } from "./incident-tasks";
import { json, openIncidentText, sealIncidentText } from "./incident-text";

export interface RiskFactors {
  nature: string;
  recipient: string;
  acquired: "acquired" | "viewed" | "neither" | "unknown";
  acquiredDetail: string;
  mitigation: string;
}

export interface Deadline {
  dueAt: string;
  /** The deadline where the privacy office works (INCIDENT_TIME_ZONE). */
  dueLocal: string;
  overdue: boolean;
  left: string;
}

export interface TaskView extends Deadline {
  id: string;
  kind: TaskKind;
  status: "open" | "done" | "not_required";
  evidence: string | null;
  delayReason: string | null;
  completedAt: string | null;
}

export interface IncidentSummary {
  id: string;
  title: string;
  status: "open" | "closed";
  openedAt: string;
  affectedCount: number;
  riskConclusion: RiskConclusion | null;
  /** The nearest open notice, if any. */
  next: (Deadline & { kind: TaskKind }) | null;
}

export interface IncidentView extends IncidentSummary {
  description: string;
  discoveredAt: string;
  awareAt: string;
  timeZone: string;
  alertIds: string[];
  /** Pseudonyms only: who is affected is never shown as PHI in the register. */
  patients: string[];
  criteria: { actorId: string; from: string; to: string }[];
  risk: RiskFactors | null;
  gdprRisk: GdprRisk | null;
  assessedAt: string | null;
  stateCounts: Record<string, number>;
  mediaStates: string[];
  tasks: TaskView[];
  rootCause: string | null;
  closedAt: string | null;
}

function deadline(dueAt: Date, now: Date): Deadline {
  const c = countdown(dueAt, now);
  return { dueAt: dueAt.toISOString(), dueLocal: formatInZone(dueAt, config().incidentTimeZone), overdue: c.overdue, left: c.text };
}

function taskView(t: IncidentTask, now: Date): TaskView {
  return {
    id: t.id,
    kind: t.kind as TaskKind,
    status: t.status as TaskView["status"],
    ...deadline(t.dueAt, now),
    evidence: t.evidenceEnc ? openIncidentText("incident_task", "evidence_enc", t.id, t.evidenceEnc) : null,
    delayReason: t.delayReasonEnc ? openIncidentText("incident_task", "delay_reason_enc", t.id, t.delayReasonEnc) : null,
    completedAt: t.completedAt?.toISOString() ?? null,
  };
}

function summaryOf(i: Incident, tasks: IncidentTask[], now: Date): IncidentSummary {
  const next = tasks.filter((t) => t.status === "open").sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())[0];
  return {
    id: i.id,
    title: i.title,
    status: i.status as IncidentSummary["status"],
    openedAt: i.openedAt.toISOString(),
    affectedCount: i.affectedCount,
    riskConclusion: i.riskConclusion as RiskConclusion | null,
    next: next && i.status === "open" ? { kind: next.kind as TaskKind, ...deadline(next.dueAt, now) } : null,
  };
}

export async function listIncidents(actor: Actor, now = new Date()): Promise<IncidentSummary[]> {
  await authorize(actor, "incidents.read");
  return withActor(actor, async ({ tx, audit }) => {
    const incidents = await tx.incident.findMany({ include: { tasks: true }, orderBy: [{ status: "desc" }, { openedAt: "desc" }], take: 200 });
    audit({ action: "incident.list", details: { returned: incidents.length } });
    return incidents.map((i) => summaryOf(i, i.tasks, now));
  });
}

export async function getIncident(actor: Actor, id: string, now = new Date()): Promise<IncidentView> {
  const { incidentId } = incidentIdSchema.parse({ incidentId: id });
  await authorize(actor, "incidents.read", { resourceType: "incident", resourceId: incidentId });
  return withActor(actor, async ({ tx, audit }) => {
    const i = await tx.incident.findUnique({ where: { id: incidentId }, include: { tasks: true, alerts: true, patients: true } });
    if (!i) throw new NotFound("incident");
    audit({ action: "incident.read", resourceType: "incident", resourceId: i.id });
    const stateCounts = i.stateCounts as Record<string, number>;
    const order = (t: IncidentTask) => `${t.status === "open" ? 0 : 1}${t.dueAt.toISOString()}`;
    return {
      ...summaryOf(i, i.tasks, now),
      description: openIncidentText("incident", "description_enc", i.id, i.descriptionEnc),
      discoveredAt: i.discoveredAt.toISOString(),
      awareAt: i.awareAt.toISOString(),
      timeZone: config().incidentTimeZone,
      alertIds: i.alerts.map((a) => a.alertId),
      patients: i.patients.map((p) => p.patientPseudonym).sort(),
      criteria: (i.affectedCriteria as IncidentView["criteria"] | null) ?? [],
      risk: i.riskEnc ? (JSON.parse(openIncidentText("incident", "risk_enc", i.id, i.riskEnc)) as RiskFactors) : null,
      gdprRisk: i.gdprRisk as GdprRisk | null,
      assessedAt: i.assessedAt?.toISOString() ?? null,
      stateCounts,
      mediaStates: mediaStates(stateCounts),
      tasks: [...i.tasks].sort((a, b) => order(a).localeCompare(order(b))).map((t) => taskView(t, now)),
      rootCause: i.rootCauseEnc ? openIncidentText("incident", "root_cause_enc", i.id, i.rootCauseEnc) : null,
      closedAt: i.closedAt?.toISOString() ?? null,
    };
  });
}

/**
 * Opens an incident by hand or from alerts. From alerts, the affected patients are computed at once from
 * the audit log: each alerting actor's events over the lookback window, plus any patient an alert names.
 * Alerts are read under the actor's own rights: an alert the actor may not see is "not found".
 */
export async function openIncident(actor: Actor, raw: unknown, now = new Date()): Promise<string> {
  const input = openIncidentSchema(config().incidentTimeZone, now).parse(raw);
  await authorize(actor, "incidents.manage", { resourceType: "incident" });
  const alertIds = [...new Set(input.alertIds)];
  const readAlerts = async (tx: Tx) => {
    const alerts = alertIds.length === 0 ? [] : await tx.alert.findMany({ where: { id: { in: alertIds } } });
    if (alerts.length !== alertIds.length) throw new NotFound("alert");
    return alerts;
  };
  const id = randomUUID();
  // The affected-patient lookups are logged, and committed, before the transaction that runs them (0038).
  if (alertIds.length > 0) await logLookups(actor, id, criteriaFromAlerts(await withActor(actor, ({ tx }) => readAlerts(tx))));
  return withActor(actor, async (ctx) => {
    const alerts = await readAlerts(ctx.tx);
    await ctx.tx.incident.create({
      data: {
        id,
        title: input.title,
        descriptionEnc: sealIncidentText("incident", "description_enc", id, input.description),
        discoveredAt: input.discoveredAt,
        awareAt: input.awareAt,
        openedBy: actor.userId,
      },
    });
    if (alerts.length > 0) {
      await ctx.tx.incidentAlert.createMany({ data: alerts.map((a) => ({ incidentId: id, alertId: a.id })) });
      const criteria = criteriaFromAlerts(alerts);
      const named = alerts.map((a) => a.patientPseudonym).filter((p): p is string => p !== null);
      await replaceAffected(ctx.tx, id, await affectedPseudonyms(ctx.tx, id, criteria, named), criteria);
    }
    const incident = await ctx.tx.incident.findUniqueOrThrow({ where: { id } });
    const tasks = await syncTasks(ctx.tx, incident);
    ctx.audit({
      action: "incident.open",
      resourceType: "incident",
      resourceId: id,
      details: json({
        before: null,
        after: { status: "open", discoveredAt: input.discoveredAt, awareAt: input.awareAt, alertIds, affectedCount: incident.affectedCount },
        tasks,
      }),
    });
    return id;
  });
}

/**
 * Discovery and awareness are often pinned down after opening (the log shows the first access was earlier):
 * correcting them moves the deadlines, and a moved deadline can fall due again.
 */
export async function setIncidentTimes(actor: Actor, raw: unknown, now = new Date()): Promise<void> {
  const input = incidentTimesSchema(config().incidentTimeZone, now).parse(raw);
  await changeIncident(actor, input.incidentId, "incident.times", async ({ tx }, incident) => {
    await tx.incident.update({ where: { id: incident.id }, data: { discoveredAt: input.discoveredAt, awareAt: input.awareAt } });
    return {
      before: { discoveredAt: incident.discoveredAt, awareAt: incident.awareAt },
      after: { discoveredAt: input.discoveredAt, awareAt: input.awareAt },
    };
  });
}

/** HIPAA 164.402(2) four-factor assessment, and the GDPR risk level that decides Art. 33/34 notices. */
export async function assessRisk(actor: Actor, raw: unknown, now = new Date()): Promise<void> {
  const input = riskAssessmentSchema.parse(raw);
  await changeIncident(actor, input.incidentId, "incident.assess", async ({ tx }, incident) => {
    const factors: RiskFactors = { nature: input.nature, recipient: input.recipient, acquired: input.acquired, acquiredDetail: input.acquiredDetail, mitigation: input.mitigation };
    await tx.incident.update({
      where: { id: incident.id },
      data: {
        riskEnc: sealIncidentText("incident", "risk_enc", incident.id, JSON.stringify(factors)),
        riskConclusion: input.conclusion,
        gdprRisk: input.gdprRisk,
        assessedAt: now,
        assessedBy: actor.userId,
      },
    });
    // The factors are free text (they may describe a patient): the log records that they changed, not what they say.
    return {
      before: { conclusion: incident.riskConclusion, gdprRisk: incident.gdprRisk, assessed: incident.riskEnc !== null },
      after: { conclusion: input.conclusion, gdprRisk: input.gdprRisk, acquired: input.acquired, assessed: true },
    };
  });
}

/** Residents affected per state, as the privacy office established them (README: where the state comes from). */
export async function setStateCounts(actor: Actor, raw: unknown): Promise<void> {
  const input = stateCountsSchema.parse(raw);
  await changeIncident(actor, input.incidentId, "incident.state_counts", async ({ tx }, incident) => {
    await tx.incident.update({ where: { id: incident.id }, data: { stateCounts: input.counts } });
    return { before: { stateCounts: incident.stateCounts }, after: { stateCounts: input.counts } };
  });
}

/** Closing needs the root cause (HIPAA 164.308(a)(6)(ii): document incidents and their outcome) and no notice left unsent. */
export async function closeIncident(actor: Actor, raw: unknown, now = new Date()): Promise<void> {
  const input = closeIncidentSchema.parse(raw);
  await changeIncident(actor, input.incidentId, "incident.close", async ({ tx }, incident) => {
    const open = await tx.incidentTask.count({ where: { incidentId: incident.id, status: "open" } });
    if (open > 0) throw new Conflict(`Record the ${open === 1 ? "open notification" : `${open} open notifications`} as sent before closing.`);
    await tx.incident.update({
      where: { id: incident.id },
      data: { status: "closed", closedAt: now, closedBy: actor.userId, rootCauseEnc: sealIncidentText("incident", "root_cause_enc", incident.id, input.rootCause) },
    });
    return { before: { status: "open" }, after: { status: "closed", rootCauseRecorded: true } };
  });
}
