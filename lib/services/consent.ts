import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { purposeTexts, type Purpose } from "@/lib/consent/purposes";
import { withActor, type Tx } from "@/lib/db/transaction";
import { consentChangeSchema } from "@/lib/validation/patient";

export interface ConsentState {
  purpose: Purpose;
  title: string;
  text: string;
  /** What withdrawing changes, shown before the patient confirms. */
  withdrawing: string;
  version: string;
  granted: boolean;
  since: string | null;
}

export interface ConsentHistoryEntry {
  purpose: Purpose;
  decision: "granted" | "withdrawn";
  textVersion: string;
  method: string;
  byPatient: boolean;
  at: string;
}

function ownPatient(actor: Actor): string {
  // A scoping key that is missing must fail, never widen the query to every patient.
  if (!actor.patientId) throw new NotFound("patient record");
  return actor.patientId;
}

async function history(tx: Tx, patientId: string) {
  return tx.consentEvent.findMany({ where: { patientId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export async function currentConsents(actor: Actor): Promise<ConsentState[]> {
  await authorize(actor, "self.consent.manage");
  const patientId = ownPatient(actor);
  return withActor(actor, async ({ tx }) => {
    const latest = new Map<string, { decision: string; createdAt: Date }>();
    for (const e of await history(tx, patientId)) latest.set(e.purpose, e);
    return Object.values(purposeTexts).map((p) => {
      const last = latest.get(p.purpose);
      return { ...p, granted: last?.decision === "granted", since: last?.createdAt.toISOString() ?? null };
    });
  });
}

export async function consentHistory(actor: Actor): Promise<ConsentHistoryEntry[]> {
  await authorize(actor, "self.consent.manage");
  const patientId = ownPatient(actor);
  return withActor(actor, ({ tx }) => consentEntries(tx, patientId, actor.userId));
}

/** Query: the patient's consent decisions, newest first, as `viewerId` sees them. No authorization. */
export async function consentEntries(tx: Tx, patientId: string, viewerId: string): Promise<ConsentHistoryEntry[]> {
  return (await history(tx, patientId)).reverse().map((e) => ({
    purpose: e.purpose as Purpose,
    decision: e.decision as "granted" | "withdrawn",
    textVersion: e.textVersion,
    method: e.method,
    byPatient: e.actorId === viewerId,
    at: e.createdAt.toISOString(),
  }));
}

/** Granting and withdrawing are the same one step (GDPR Art. 7(3): withdrawing as easy as giving). */
async function decide(actor: Actor, raw: unknown, decision: "granted" | "withdrawn"): Promise<void> {
  const input = consentChangeSchema.parse(raw);
  await authorize(actor, "self.consent.manage");
  const patientId = ownPatient(actor);
  const shown = purposeTexts[input.purpose];
  if (decision === "granted" && input.textVersion !== shown.version) {
    throw new Conflict("The consent text has changed since you opened this page. Please read the current text and try again.");
  }
  await withActor(actor, async ({ tx, audit }) => {
    await tx.consentEvent.create({
      data: { patientId, purpose: input.purpose, decision, textVersion: input.textVersion, method: "web", actorId: actor.userId },
    });
    audit({
      action: decision === "granted" ? "consent.grant" : "consent.withdraw",
      resourceType: "consent",
      resourceId: input.purpose,
      patientId,
      details: { purpose: input.purpose, textVersion: input.textVersion },
    });
  });
}

export const grantConsent = (actor: Actor, raw: unknown) => decide(actor, raw, "granted");
export const withdrawConsent = (actor: Actor, raw: unknown) => decide(actor, raw, "withdrawn");
