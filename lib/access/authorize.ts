import "server-only";
import { recordActorEvents } from "@/lib/db/transaction";
import type { Actor } from "./actor";
import { AccessDenied } from "./errors";
import { can, type Permission } from "./permissions";

export interface DeniedTarget {
  resourceType?: string;
  resourceId?: string;
  patientId?: string;
  path?: string;
}

const uuids = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const patientSegment = /\/patients\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=\/|$)/i;

/**
 * A denied path can name a patient (/clinician/patients/<id>/…). The log promises pseudonyms, and a raw id
 * would outlive the patient's erasure: the path keeps its shape with ids blanked, the patient becomes the
 * event's pseudonym.
 */
function deniedPath(path: string): { path: string; patientId?: string } {
  const patientId = patientSegment.exec(path)?.[1]?.toLowerCase();
  return { path: path.replace(uuids, ":id"), ...(patientId ? { patientId } : {}) };
}

/** Writes the denial in its own transaction: the request fails, the record of the attempt must not. */
export async function recordDenial(actor: Actor, permission: string, target: DeniedTarget = {}): Promise<void> {
  const fromPath = target.path ? deniedPath(target.path) : undefined;
  await recordActorEvents(actor, [{
    action: "access.denied",
    outcome: "denied",
    resourceType: target.resourceType,
    resourceId: target.resourceId,
    patientId: target.patientId ?? fromPath?.patientId,
    details: { permission, ...(fromPath ? { path: fromPath.path } : {}) },
  }]);
}

export async function authorize(actor: Actor, permission: Permission, target: DeniedTarget = {}): Promise<void> {
  if (can(actor.role, permission)) return;
  await recordDenial(actor, permission, target);
  throw new AccessDenied(permission);
}
