import type { ActorContext } from "@/lib/db/transaction";

/**
 * What changes who may see or do what: auditors review each one (HIPAA 164.308(a)(4), access authorization and
 * modification). "high" for changes that grant (a role, an enabled administrator, sight of a team's patients),
 * "medium" for those that take away, which still shape access (and may be half of a swap).
 */
export type PrivilegeChange =
  | { change: "role"; userId: string; before: string; after: string }
  | { change: "admin-enabled" | "staff-enabled" | "mfa-reset" | "staff-disabled"; userId: string }
  | { change: "care-team-clinician-added" | "care-team-clinician-removed"; teamId: string; userId: string }
  | { change: "care-team-patient-added" | "care-team-patient-removed"; teamId: string; patientPseudonym: string };

const granting = new Set<PrivilegeChange["change"]>(["role", "admin-enabled", "staff-enabled", "mfa-reset", "care-team-clinician-added", "care-team-patient-added"]);

/**
 * Raised in the transaction of the change itself (committed with it or not at all), as the acting user's own
 * alert, which is all the database lets a request raise outside the system context (0024). createMany: an
 * administrator may insert an alert but not read one back (create would ask for the row with RETURNING).
 */
export async function raisePrivilegeAlert(ctx: ActorContext, actorId: string, details: PrivilegeChange): Promise<void> {
  await ctx.tx.alert.createMany({
    data: { kind: "privilege_change", severity: granting.has(details.change) ? "high" : "medium", actorId, details: { ...details } },
  });
}
