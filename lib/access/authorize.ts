import "server-only";
import { withActor } from "@/lib/db/transaction";
import type { Actor } from "./actor";
import { AccessDenied } from "./errors";
import { can, type Permission } from "./permissions";

export interface DeniedTarget {
  resourceType?: string;
  resourceId?: string;
  patientId?: string;
  path?: string;
}

/** Writes the denial in its own transaction: the request fails, the record of the attempt must not. */
export async function recordDenial(actor: Actor, permission: string, target: DeniedTarget = {}): Promise<void> {
  await withActor(actor, async ({ audit }) => {
    audit({
      action: "access.denied",
      outcome: "denied",
      resourceType: target.resourceType,
      resourceId: target.resourceId,
      patientId: target.patientId,
      details: { permission, ...(target.path ? { path: target.path } : {}) },
    });
  });
}

export async function authorize(actor: Actor, permission: Permission, target: DeniedTarget = {}): Promise<void> {
  if (can(actor.role, permission)) return;
  await recordDenial(actor, permission, target);
  throw new AccessDenied(permission);
}
