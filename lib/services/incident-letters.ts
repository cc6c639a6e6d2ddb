import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { config } from "@/lib/config";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { formatInZone } from "@/lib/incidents/clocks";
import { withSystem } from "@/lib/db/transaction";
import { incidentIdSchema } from "@/lib/validation/incidents";
import type { RiskFactors } from "./incidents";
import { patientCiphers } from "./patient-keys";
import { identityOf } from "./patient-view";
import { json, openIncidentText } from "./incident-text";

/** HIPAA 164.404(c): what a breach notification to an individual must say, in plain language. */
export interface NotificationLetter {
  pseudonym: string;
  name: string;
  address: string | null;
  date: string;
  whatHappened: string;
  discovered: string;
  informationInvolved: string;
  whatWeAreDoing: string;
  whatYouCanDo: string;
  contact: string;
}

export interface LetterBatch {
  incidentTitle: string;
  letters: NotificationLetter[];
  /** Affected pseudonyms with no patient left to write to (erased since). */
  unmatched: number;
}

const whatYouCanDo =
  "Review the statements you receive from your health insurer and health care providers, and tell us about any " +
  "service you did not receive. You may ask us for a copy of your record and for a list of who accessed it. If you " +
  "think your information has been misused, you may also contact your local police and the Federal Trade Commission.";

/**
 * Letters to every affected patient, for the privacy office to print: the one place the incident register
 * decrypts PHI (name and address). Only an actor with `incidents.letters`; admins cannot read patient rows
 * under RLS, so the read runs in the system context on the actor's behalf, and every letter appends one
 * `incident.letter` event naming the actor and the patient's pseudonym in the same transaction.
 */
export async function notificationLetters(actor: Actor, raw: unknown): Promise<LetterBatch> {
  const { incidentId } = incidentIdSchema.parse(raw);
  await authorize(actor, "incidents.letters", { resourceType: "incident", resourceId: incidentId });
  const timeZone = config().incidentTimeZone;
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const incident = await tx.incident.findUnique({ where: { id: incidentId }, include: { patients: true } });
      if (!incident) throw new NotFound("incident");
      if (incident.riskConclusion === "low_probability") {
        throw new Conflict("No letters are due: the risk assessment found a low probability that the information was compromised.");
      }
      if (incident.riskConclusion !== "breach") throw new Conflict("Letters are printed once the risk assessment has concluded that this is a breach.");
      // Four eyes on the register's one PHI read: whoever prints the letters did not decide they were due.
      if (incident.assessedBy === actor.userId) {
        throw new Conflict("Letters need a breach assessment recorded by someone else: ask an auditor or another administrator to record it.");
      }
      // The assessment covers the patients listed when it was made, not patients added since.
      if (incident.affectedChangedAt && incident.assessedAt && incident.affectedChangedAt > incident.assessedAt) {
        throw new Conflict("The list of affected patients changed after the risk assessment: someone other than you must record the assessment again before letters are printed.");
      }
      const wanted = new Set(incident.patients.map((p) => p.patientPseudonym));
      // The log holds pseudonyms only; the keyed pseudonym of each patient id is recomputed to find them.
      const ids = (await tx.patient.findMany({ select: { id: true } })).map((p) => p.id).filter((id) => wanted.has(pseudonym(id)));
      const ciphers = await patientCiphers(tx, ids);
      const identities = await tx.patientIdentity.findMany({ where: { patientId: { in: ids } } });
      const risk = incident.riskEnc ? (JSON.parse(openIncidentText("incident", "risk_enc", incident.id, incident.riskEnc)) as RiskFactors) : null;
      const today = formatInZone(new Date(), timeZone).slice(0, 10);
      const letters = identities
        .map((row) => {
          const person = identityOf(ciphers.get(row.patientId)!, row);
          audit({
            action: "incident.letter",
            actorId: actor.userId,
            actorRole: actor.role,
            resourceType: "incident",
            resourceId: incident.id,
            patientId: row.patientId,
            details: { fields: ["name", "address"] },
          });
          return {
            pseudonym: pseudonym(row.patientId),
            name: `${person.givenName} ${person.familyName}`,
            address: person.address,
            date: today,
            whatHappened: incident.title,
            discovered: formatInZone(incident.discoveredAt, timeZone).slice(0, 10),
            informationInvolved: risk?.nature ?? "We are still establishing which information was involved and will write again.",
            whatWeAreDoing: risk?.mitigation ?? "We are investigating and will write again when we know more.",
            whatYouCanDo,
            contact: config().privacyOfficeContact,
          };
        })
        .sort((a, b) => a.pseudonym.localeCompare(b.pseudonym));
      audit({
        action: "incident.letters",
        actorId: actor.userId,
        actorRole: actor.role,
        resourceType: "incident",
        resourceId: incident.id,
        details: json({ letters: letters.length, unmatched: wanted.size - letters.length }),
      });
      // Auditors see every printing of names and addresses as it happens, not only in the log.
      await tx.alert.createMany({
        data: { kind: "incident_letters", severity: "high", actorId: actor.userId, details: { incidentId: incident.id, letters: letters.length } },
      });
      return { incidentTitle: incident.title, letters, unmatched: wanted.size - letters.length };
    },
    actor.userId,
  );
}
