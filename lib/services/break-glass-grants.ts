import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound } from "@/lib/access/errors";
import { withActor, withSystem } from "@/lib/db/transaction";
import { grantIdSchema } from "@/lib/validation/patient";
import { patientCiphers } from "./patient-keys";
import { summaryOf, type PatientSummary } from "./patient-view";

export interface ActiveGrant {
  grantId: string;
  patient: PatientSummary;
  expiresAt: string;
  /** Whole minutes left when read, at least 1 while the grant is live. */
  minutesLeft: number;
}

/** The clinician's own live break-glass grants, soonest to end first, with whose chart each opens. */
export async function myActiveGrants(actor: Actor): Promise<ActiveGrant[]> {
  await authorize(actor, "breakGlass.use");
  return withActor(actor, async ({ tx, audit }) => {
    // RLS shows a clinician only their own grants; the filter says so for the reader.
    const now = new Date();
    const grants = await tx.breakGlassGrant.findMany({
      where: { clinicianId: actor.userId, expiresAt: { gt: now } },
      orderBy: { expiresAt: "asc" },
    });
    const ids = [...new Set(grants.map((g) => g.patientId))];
    const rows = await tx.patientIdentity.findMany({ where: { patientId: { in: ids } } });
    const ciphers = await patientCiphers(tx, ids);
    const patients = new Map<string, PatientSummary>();
    for (const row of rows) {
      const cipher = ciphers.get(row.patientId);
      if (!cipher) continue;
      patients.set(row.patientId, summaryOf(cipher, row));
      audit({ action: "patient.list", resourceType: "patient", patientId: row.patientId, details: { via: "break_glass" } });
    }
    return grants.flatMap((g) => {
      const patient = patients.get(g.patientId);
      const minutesLeft = Math.max(1, Math.ceil((g.expiresAt.getTime() - now.getTime()) / 60_000));
      return patient ? [{ grantId: g.id, patient, expiresAt: g.expiresAt.toISOString(), minutesLeft }] : [];
    });
  });
}

/**
 * "End access now": the grant's expiry is brought forward to this moment, so the chart closes at once. Only
 * the system context may change a grant (0011, 0015), so this runs there on the clinician's behalf, and the
 * row filter is the check that the grant is theirs and still live; anything else is refused as not found
 * (no oracle for other clinicians' grants) and recorded.
 */
export async function endGrant(actor: Actor, raw: unknown): Promise<void> {
  const { grantId } = grantIdSchema.parse(raw);
  await authorize(actor, "breakGlass.use");
  const ended = await withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const now = new Date();
      const who = { actorId: actor.userId, actorRole: actor.role, action: "break_glass.end", resourceType: "break_glass_grant", resourceId: grantId };
      const grant = await tx.breakGlassGrant.findUnique({ where: { id: grantId } });
      const updated = await tx.breakGlassGrant.updateMany({
        where: { id: grantId, clinicianId: actor.userId, expiresAt: { gt: now } },
        data: { expiresAt: now },
      });
      if (updated.count === 0) {
        const reason = !grant ? "unknown" : grant.clinicianId !== actor.userId ? "not-own" : "already-ended";
        audit({ ...who, outcome: "denied", details: { reason } });
        return false;
      }
      audit({ ...who, patientId: grant!.patientId, details: { endedEarlyBy: Math.round((grant!.expiresAt.getTime() - now.getTime()) / 1000) } });
      return true;
    },
    actor.userId,
  );
  if (!ended) throw new NotFound("active emergency access");
}
