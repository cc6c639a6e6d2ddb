import "server-only";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { NotFound } from "@/lib/access/errors";
import { pseudonym } from "@/lib/crypto/pseudonym";
import type { AuditEvent } from "@/lib/db/generated/client";
import { withActor, withSystem, type Tx } from "@/lib/db/transaction";
import { staffNamesById } from "./staff-names";

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
  "break_glass.end": "Ended their emergency access to your record early",
  "break_glass.review": "Reviewed an emergency access to your record",
  "request.decide": "Decided on one of your requests",
  "request.extend": "Took more time to answer one of your requests",
  "care_team.assign_patient": "Added you to a care team",
  "patient.create": "Registered you as a patient",
  "patient.register": "Registered you and invited you to this portal",
  "erasure.execute": "Erased your data",
  "research.dataset": "Included your coded data in a research data set",
};

/** What a person reads for a staff role; the code never reaches the page. */
const roleWords: Record<string, string> = { clinician: "Clinician", admin: "Administrator", auditor: "Privacy auditor" };

/** The same person doing the same thing several times in a row is one line, with how often and since when. */
export interface AccessSummary extends AccessEntry {
  times: number;
  firstAt: string;
}

export function collapseRepeats(entries: AccessEntry[]): AccessSummary[] {
  const out: AccessSummary[] = [];
  for (const e of entries) {
    const last = out.at(-1);
    if (last && last.who === e.who && last.role === e.role && last.what === e.what && last.breakGlass === e.breakGlass) {
      last.times += 1;
      last.firstAt = e.at;
    } else {
      out.push({ ...e, times: 1, firstAt: e.at });
    }
  }
  return out;
}

/**
 * Who accessed my record (HIPAA 164.528 accounting, GDPR Art. 15(1)(c)): staff reads and writes of this
 * patient, from the audit log by pseudonym, with the staff member's name and role.
 */
export async function myAccessLog(actor: Actor): Promise<AccessSummary[]> {
  await authorize(actor, "self.accessLog.read");
  if (!actor.patientId) throw new NotFound("patient record");
  const psn = pseudonym(actor.patientId);
  const events = await withActor(actor, async ({ tx, audit }) => {
    const rows = await staffEventsPage(tx, psn, null, 500);
    audit({ action: "self.access_log.read", patientId: actor.patientId!, details: { returned: rows.length } });
    return rows;
  });
  return collapseRepeats(await describeAccess(actor.request, events));
}

const STAFF = ["clinician", "admin", "auditor"];

type StaffEvent = Pick<AuditEvent, "seq" | "occurredAt" | "actorId" | "actorRole" | "action" | "details">;

/** Query: staff events about the patient with this pseudonym, newest first, before event `before`. No authorization. */
export function staffEventsPage(tx: Tx, psn: string, before: bigint | null, limit: number): Promise<StaffEvent[]> {
  return tx.auditEvent.findMany({
    where: { patientPseudonym: psn, actorRole: { in: STAFF }, ...(before ? { seq: { lt: before } } : {}) },
    select: { seq: true, occurredAt: true, actorId: true, actorRole: true, action: true, details: true },
    orderBy: { seq: "desc" },
    take: limit,
  });
}

/** The events in words, with the staff member's name. */
export async function describeAccess(request: RequestMeta, events: StaffEvent[]): Promise<AccessEntry[]> {
  const ids = [...new Set(events.map((e) => e.actorId).filter((id): id is string => id !== null))];
  return inWords(await staffNamesById(request, ids), events);
}

/**
 * The names of every staff member with an event about this patient, read before a long snapshot: on the
 * embedded database a second transaction could not start while the snapshot is open.
 */
export async function staffNamesFor(request: RequestMeta, psn: string): Promise<Map<string, string>> {
  const actors = await withSystem(request, ({ tx }) =>
    tx.auditEvent.findMany({ where: { patientPseudonym: psn, actorRole: { in: STAFF } }, distinct: ["actorId"], select: { actorId: true } }),
  );
  return staffNamesById(request, actors.map((a) => a.actorId).filter((id): id is string => id !== null));
}

export function inWords(names: Map<string, string>, events: StaffEvent[]): AccessEntry[] {
  return events.map((e) => {
    const details = (e.details ?? {}) as { breakGlass?: boolean };
    return {
      at: e.occurredAt.toISOString(),
      who: (e.actorId && names.get(e.actorId)) ?? "Unknown staff member",
      role: roleWords[e.actorRole ?? ""] ?? "Staff member",
      what: describe[e.action] ?? "Other activity on your record",
      breakGlass: e.action === "break_glass.grant" || details.breakGlass === true,
    };
  });
}
