import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { InvalidInput, NotFound } from "@/lib/access/errors";
import { verifyActorTotp } from "@/lib/auth/mfa";
import { config } from "@/lib/config";
import { blindIndex } from "@/lib/crypto/blind-index";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { sealSystem } from "@/lib/crypto/secret";
import { withActor, withSystem } from "@/lib/db/transaction";
import { breakGlassSchema, type BreakGlassInput } from "@/lib/validation/patient";

/**
 * Emergency access to one patient outside the care team (HIPAA 164.312(a)(2)(ii)): a written reason,
 * a fresh TOTP code, a grant that expires on its own, an alert for the auditors, all in the audit log.
 */
export async function breakGlass(actor: Actor, raw: BreakGlassInput): Promise<{ patientId: string; expiresAt: string }> {
  const input = breakGlassSchema.parse(raw);
  await authorize(actor, "breakGlass.use");
  // As system: the clinician cannot see this patient yet and learns nothing unless the grant is made;
  // the code check consumes the TOTP step so it cannot be replayed.
  const check = await withSystem(actor.request, async ({ tx, audit }) => {
    const who = { actorId: actor.userId, actorRole: actor.role, action: "break_glass.grant", outcome: "denied" as const };
    if (!(await verifyActorTotp(tx, actor.userId, input.code))) {
      audit({ ...who, details: { reason: "wrong-code" } });
      return "wrong-code" as const;
    }
    const target = await tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", input.mrn) }, select: { patientId: true } });
    if (!target) audit({ ...who, details: { reason: "unknown-mrn" } });
    return target?.patientId ?? ("unknown" as const);
  });
  if (check === "wrong-code") throw new InvalidInput("The authentication code is not valid", { code: ["Enter a new code from your app"] });
  if (check === "unknown") throw new NotFound("patient");
  const patientId = check;
  return withActor(actor, async ({ tx, audit }) => {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + config().breakGlassMinutes * 60_000);
    const reasonEnc = sealSystem(input.reason, { table: "break_glass_grant", column: "reason_enc", rowId: id });
    await tx.breakGlassGrant.create({ data: { id, clinicianId: actor.userId, patientId, reasonEnc, expiresAt } });
    // createMany: no RETURNING, since clinicians may raise alerts but not read them back.
    await tx.alert.createMany({
      data: { kind: "break_glass", actorId: actor.userId, patientPseudonym: pseudonym(patientId), details: { grantId: id, expiresAt: expiresAt.toISOString() } },
    });
    audit({
      action: "break_glass.grant",
      resourceType: "break_glass_grant",
      resourceId: id,
      patientId,
      details: { expiresAt: expiresAt.toISOString(), minutes: config().breakGlassMinutes },
    });
    return { patientId, expiresAt: expiresAt.toISOString() };
  });
}
