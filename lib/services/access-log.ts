import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { openSystem } from "@/lib/crypto/secret";
import { withActor, withSystem } from "@/lib/db/transaction";

export interface AccessEntry {
  at: string;
  who: string;
  role: string;
  what: string;
  breakGlass: boolean;
}

const describe: Record<string, string> = {
  "chart.read": "Opened your chart",
  "patient.list": "Saw you in a patient list",
  "patient.search": "Found you by search",
  "record.create": "Added to your record",
  "record.amend": "Amended your record",
  "record.read": "Opened an entry of your record to amend it",
  "break_glass.grant": "Emergency (break-glass) access to your record",
  "access.denied": "Was refused access to your record",
  "access.bulk_refused": "Was refused access to your record (too many records opened)",
};

/**
 * Who accessed my record (HIPAA 164.528 accounting, GDPR Art. 15(1)(c)): staff reads and writes of this
 * patient, from the audit log by pseudonym, with the staff member's name and role.
 */
export async function myAccessLog(actor: Actor): Promise<AccessEntry[]> {
  await authorize(actor, "self.accessLog.read");
  if (!actor.patientId) throw new NotFound("patient record");
  const psn = pseudonym(actor.patientId);
  const events = await withActor(actor, async ({ tx, audit }) => {
    const rows = await tx.auditEvent.findMany({
      where: { patientPseudonym: psn, actorRole: { in: ["clinician", "admin", "auditor"] } },
      orderBy: { seq: "desc" },
      take: 500,
    });
    audit({ action: "self.access_log.read", patientId: actor.patientId!, details: { returned: rows.length } });
    return rows;
  });
  // Staff names are not the patient's to read from the accounts table; a system lookup maps ids to names.
  const ids = [...new Set(events.map((e) => e.actorId).filter((id): id is string => id !== null))];
  const names = await withSystem(actor.request, async ({ tx }) => {
    const users = await tx.user.findMany({ where: { id: { in: ids } }, select: { id: true, displayNameEnc: true } });
    return new Map(users.map((u) => [u.id, openSystem(u.displayNameEnc, { table: "app_user", column: "display_name_enc", rowId: u.id })]));
  });
  return events.map((e) => {
    const details = (e.details ?? {}) as { breakGlass?: boolean };
    return {
      at: e.occurredAt.toISOString(),
      who: (e.actorId && names.get(e.actorId)) ?? "Unknown staff member",
      role: e.actorRole ?? "",
      what: describe[e.action] ?? e.action,
      breakGlass: e.action === "break_glass.grant" || details.breakGlass === true,
    };
  });
}
