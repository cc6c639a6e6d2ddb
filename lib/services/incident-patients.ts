import "server-only";
import type { Actor } from "@/lib/access/actor";
import { config } from "@/lib/config";
import { HOUR_MS } from "@/lib/incidents/clocks";
import { recordActorEvents, type Tx } from "@/lib/db/transaction";
import { affectedCriteriaSchema } from "@/lib/validation/incidents";
import { changeIncident } from "./incident-change";

/** Whose events, and when: the audit log is searched for the patients those events named. */
export interface AffectedCriterion {
  actorId: string;
  from: Date;
  to: Date;
}

/** An alert looks back this far over its actor's activity: what led up to the lockout, bulk read or break-glass. */
export const ALERT_LOOKBACK_HOURS = 24;

interface AlertRow {
  actorId: string | null;
  patientPseudonym: string | null;
  createdAt: Date;
}

/** One window per actor named by the alerts, from the lookback before their first alert to their last. */
export function criteriaFromAlerts(alerts: AlertRow[]): AffectedCriterion[] {
  const byActor = new Map<string, AffectedCriterion>();
  for (const a of alerts) {
    if (!a.actorId) continue;
    const from = new Date(a.createdAt.getTime() - ALERT_LOOKBACK_HOURS * HOUR_MS);
    const seen = byActor.get(a.actorId);
    byActor.set(a.actorId, seen ? { actorId: a.actorId, from: seen.from < from ? seen.from : from, to: seen.to > a.createdAt ? seen.to : a.createdAt } : { actorId: a.actorId, from, to: a.createdAt });
  }
  return [...byActor.values()];
}

/**
 * Each lookup's own audit event (who asked, for which incident, about whom and when), committed before the
 * lookup runs: the database answers only once it is (migration 0038), so reading the answer and rolling the
 * event back is not possible. A lookup whose transaction then fails stays logged as asked.
 */
export async function logLookups(actor: Actor, incidentId: string, criteria: AffectedCriterion[]): Promise<void> {
  await recordActorEvents(
    actor,
    criteria.map((c) => ({
      action: "incident.affected.lookup", resourceType: "incident", resourceId: incidentId,
      details: { subject: c.actorId, from: c.from.toISOString(), to: c.to.toISOString() },
    })),
  );
}

/**
 * The distinct patient pseudonyms the audit log shows each actor reaching (allowed events) in each window,
 * plus any the alerts name themselves. Through incident_affected_pseudonyms() (0022, 0038): admins may
 * not read the log, and this answers pseudonyms only, never the events. logLookups must have run first.
 */
export async function affectedPseudonyms(tx: Tx, incidentId: string, criteria: AffectedCriterion[], named: string[] = []): Promise<string[]> {
  const found = new Set(named);
  for (const c of criteria) {
    const rows = await tx.$queryRaw<{ patient_pseudonym: string }[]>`
      SELECT patient_pseudonym FROM incident_affected_pseudonyms(${incidentId}::uuid, ${c.actorId}::uuid, ${c.from}, ${c.to})`;
    for (const r of rows) found.add(r.patient_pseudonym);
  }
  return [...found].sort();
}

export async function replaceAffected(tx: Tx, incidentId: string, pseudonyms: string[], criteria: AffectedCriterion[]): Promise<void> {
  await tx.incidentPatient.deleteMany({ where: { incidentId } });
  if (pseudonyms.length > 0) await tx.incidentPatient.createMany({ data: pseudonyms.map((p) => ({ incidentId, patientPseudonym: p })) });
  await tx.incident.update({
    where: { id: incidentId },
    data: { affectedCount: pseudonyms.length, affectedCriteria: criteria.map((c) => ({ actorId: c.actorId, from: c.from.toISOString(), to: c.to.toISOString() })) },
  });
}

/** Recomputes the affected patients for chosen criteria (an account and a time window), replacing the list. */
export async function computeAffectedPatients(actor: Actor, raw: unknown): Promise<number> {
  const input = affectedCriteriaSchema(config().incidentTimeZone).parse(raw);
  const criteria = [{ actorId: input.actorId, from: input.from, to: input.to }];
  let count = 0;
  await changeIncident(actor, input.incidentId, "incident.affected", async ({ tx }, incident) => {
    const pseudonyms = await affectedPseudonyms(tx, incident.id, criteria);
    await replaceAffected(tx, incident.id, pseudonyms, criteria);
    count = pseudonyms.length;
    return { before: { affectedCount: incident.affectedCount, criteria: incident.affectedCriteria }, after: { affectedCount: count, criteria } };
  }, () => logLookups(actor, input.incidentId, criteria));
  return count;
}
