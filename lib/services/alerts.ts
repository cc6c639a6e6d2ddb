import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound } from "@/lib/access/errors";
import { withActor } from "@/lib/db/transaction";
import { alertAckSchema } from "@/lib/validation/audit";

export interface DeliveryView {
  target: string;
  status: string;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface AlertView {
  id: string;
  kind: string;
  severity: string;
  rule: string | null;
  /** audit_event.seq of the events that triggered it. */
  evidence: string[];
  /** One per configured SIEM target, once the delivery job has picked the alert up. */
  deliveries: DeliveryView[];
  actorId: string | null;
  patientPseudonym: string | null;
  details: unknown;
  createdAt: string;
  acknowledgedAt: string | null;
}

export async function listAlerts(actor: Actor, options: { open?: boolean } = {}): Promise<AlertView[]> {
  await authorize(actor, "alerts.review");
  return withActor(actor, async ({ tx, audit }) => {
    const alerts = await tx.alert.findMany({
      where: options.open ? { acknowledgedAt: null } : {},
      orderBy: { createdAt: "desc" },
      take: 200,
      include: { deliveries: { orderBy: { target: "asc" } } },
    });
    audit({ action: "alert.list", details: { returned: alerts.length } });
    return alerts.map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      rule: a.rule,
      evidence: a.evidence.map(String),
      deliveries: a.deliveries.map((d) => ({
        target: d.target,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
      actorId: a.actorId,
      patientPseudonym: a.patientPseudonym,
      details: a.details,
      createdAt: a.createdAt.toISOString(),
      acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
    }));
  });
}

export async function acknowledgeAlert(actor: Actor, raw: unknown): Promise<void> {
  const { alertId } = alertAckSchema.parse(raw);
  await authorize(actor, "alerts.review");
  await withActor(actor, async ({ tx, audit }) => {
    const updated = await tx.alert.updateMany({
      where: { id: alertId, acknowledgedAt: null },
      data: { acknowledgedAt: new Date(), acknowledgedBy: actor.userId },
    });
    if (updated.count === 0) throw new NotFound("open alert");
    audit({ action: "alert.acknowledge", resourceType: "alert", resourceId: alertId });
  });
}
