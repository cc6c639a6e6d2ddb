import { roleLabel, roleSchema } from "@/lib/access/roles";
import type { NamedAuditEvent } from "@/lib/services/audit-log";

/** "Dr Ana Ruiz (clinician)": staff by name and role; patients and the system by role only (no PHI on screen). */
export function actorWords(e: Pick<NamedAuditEvent, "actorName" | "actorRole">): string {
  const parsed = roleSchema.safeParse(e.actorRole);
  const role = parsed.success ? roleLabel[parsed.data] : e.actorRole === "system" ? "System" : "Unknown";
  return e.actorName ? `${e.actorName} (${role.toLowerCase()})` : role;
}
