import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { blindIndex, blindIndexText } from "@/lib/crypto/blind-index";
import { withActor, type ActorContext } from "@/lib/db/transaction";
import { canonicalMrn } from "@/lib/validation/mrn";
import { patientSearchSchema, type PatientSearchInput } from "@/lib/validation/patient";
import { patientCiphers } from "./patient-keys";
import { nameDobIndex } from "./patients";
import { summaryOf, type PatientSummary } from "./patient-view";

async function summaries(ctx: ActorContext, patientIds: string[], action: string): Promise<PatientSummary[]> {
  // Two reads whatever the number of patients: their identities, then their keys.
  const rows = await ctx.tx.patientIdentity.findMany({ where: { patientId: { in: patientIds } } });
  const ciphers = await patientCiphers(ctx.tx, rows.map((row) => row.patientId));
  const result: PatientSummary[] = [];
  for (const row of rows) {
    const cipher = ciphers.get(row.patientId);
    if (!cipher) continue;
    result.push(summaryOf(cipher, row));
    // One event per patient shown, so each patient's access history lists it (by pseudonym, not raw id).
    ctx.audit({ action, resourceType: "patient", patientId: row.patientId });
  }
  return result.sort((a, b) => a.name.localeCompare(b.name));
}

/** The clinician's care-team patients (not break-glass ones: those are reached by MRN only). */
export async function listMyPatients(actor: Actor): Promise<PatientSummary[]> {
  await authorize(actor, "patients.list");
  return withActor(actor, async (ctx) => {
    const links = await ctx.tx.careTeamPatient.findMany({
      where: { team: { members: { some: { userId: actor.userId } } } },
      select: { patientId: true },
    });
    return summaries(ctx, [...new Set(links.map((l) => l.patientId))], "patient.list");
  });
}

/** The MRN as typed and, when it has the hospital's shape, its written form ("123757" finds MRN-123757). */
function mrnKeys(typed: string): Uint8Array<ArrayBuffer>[] {
  const canonical = canonicalMrn(typed);
  const keys = [typed, canonical ?? typed].map((mrn) => blindIndex("mrn", mrn));
  return [...new Map(keys.map((key) => [blindIndexText(key), key])).values()];
}

/** How many care teams the clinician is in: none means no patients yet, and the page says what to do. */
export async function myCareTeamCount(actor: Actor): Promise<number> {
  await authorize(actor, "patients.list");
  return withActor(actor, ({ tx }) => tx.careTeamMember.count({ where: { userId: actor.userId } }));
}

/**
 * Exact search through blind indexes: the database compares keyed hashes, never plaintext identifiers.
 * Row-level security limits matches to patients the clinician may see; the search terms are not logged.
 */
export async function searchPatients(actor: Actor, raw: PatientSearchInput): Promise<PatientSummary[]> {
  const input = patientSearchSchema.parse(raw);
  await authorize(actor, "patients.search");
  const where =
    input.by === "mrn"
      ? { mrnBidx: { in: mrnKeys(input.mrn) } }
      : input.by === "ssn"
        ? { ssnBidx: blindIndex("ssn", input.ssn) }
        : { nameDobBidx: nameDobIndex(input) };
  return withActor(actor, async (ctx) => {
    const matches = await ctx.tx.patientIdentity.findMany({ where, select: { patientId: true } });
    const found = await summaries(ctx, matches.map((m) => m.patientId), "patient.search");
    ctx.audit({ action: "patient.search.query", details: { by: input.by, matches: found.length } });
    return found;
  });
}
