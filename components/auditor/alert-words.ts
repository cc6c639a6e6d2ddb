import type { AlertView } from "@/lib/services/alerts";

/**
 * Who raised an alert, in words an auditor can act on: a staff member by name; no account at all (a schema
 * change seen by the database, a processor agreement running out) as the system. Any other account (a patient,
 * or one since removed) keeps the short id the events page can search for, since a patient's name is PHI.
 */
export function alertWho(a: Pick<AlertView, "actorId">, names: ReadonlyMap<string, string>): string {
  if (!a.actorId) return "System (no account)";
  return names.get(a.actorId) ?? `account ${a.actorId.slice(0, 8)}`;
}
