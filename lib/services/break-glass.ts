import "server-only";
import { randomUUID } from "node:crypto";
import type { Actor } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { InvalidInput, NotFound, TooManyRequests } from "@/lib/access/errors";
import { verifyActorTotp } from "@/lib/auth/mfa";
import { secondFactorKeys, throttledCheck } from "@/lib/auth/throttle";
import { config } from "@/lib/config";
import { blindIndex } from "@/lib/crypto/blind-index";
import { pseudonym } from "@/lib/crypto/pseudonym";
import { withSystem } from "@/lib/db/transaction";
import { canonicalMrn } from "@/lib/validation/mrn";
import { breakGlassSchema, type BreakGlassInput } from "@/lib/validation/patient";
import { patientCipher } from "./patient-keys";
import { sealAbout } from "./patient-text";

/**
 * Emergency access to one patient outside the care team (HIPAA 164.312(a)(2)(ii)): a written reason,
 * a fresh TOTP code, a grant that expires on its own, an alert for the auditors, all in the audit log.
 */
export async function breakGlass(actor: Actor, raw: BreakGlassInput): Promise<{ patientId: string; expiresAt: string }> {
  const input = breakGlassSchema.parse(raw);
  await authorize(actor, "breakGlass.use");
  // As system, one transaction: the clinician cannot see this patient yet and learns nothing unless the grant
  // is made; the code check consumes the TOTP step so it cannot be replayed, and wrong codes count toward the
  // clinician's second-factor lockout (a stolen session must not guess its way in); and only the system
  // context may write a grant (0009_second_wall), so no database connection can skip the second factor.
  const result = await withSystem(actor.request, async (ctx) => {
    const { tx, audit } = ctx;
    const who = { actorId: actor.userId, actorRole: actor.role, action: "break_glass.grant" };
    const attempt = { actorId: actor.userId, actorRole: actor.role, step: "break-glass" as const };
    const code = await throttledCheck(ctx, secondFactorKeys(actor.userId, null), attempt, async () =>
      (await verifyActorTotp(tx, actor.userId, input.code)) ? true : null,
    );
    if (code.outcome === "refused") {
      audit({ ...who, outcome: "denied", details: { reason: code.reason } });
      return "locked" as const;
    }
    if (code.outcome === "failed") {
      audit({ ...who, outcome: "denied", details: { reason: "wrong-code" } });
      return code.locked ? ("locked" as const) : ("wrong-code" as const);
    }
    const target = await tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", canonicalMrn(input.mrn) ?? input.mrn) }, select: { patientId: true } });
    if (!target) {
      audit({ ...who, outcome: "denied", details: { reason: "unknown-mrn" } });
      return "unknown" as const;
    }
    const { patientId } = target;
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + config().breakGlassMinutes * 60_000);
    // The reason names why this patient was opened: under their data key, so their erasure shreds it everywhere.
    const reasonEnc = sealAbout(await patientCipher(tx, patientId), "break_glass_grant", "reason_enc", id, input.reason);
    await tx.breakGlassGrant.create({ data: { id, clinicianId: actor.userId, patientId, reasonEnc, expiresAt } });
    await tx.alert.create({
      data: { kind: "break_glass", severity: "high", actorId: actor.userId, patientPseudonym: pseudonym(patientId), details: { grantId: id, expiresAt: expiresAt.toISOString() } },
    });
    audit({
      ...who,
      resourceType: "break_glass_grant",
      resourceId: id,
      patientId,
      details: { expiresAt: expiresAt.toISOString(), minutes: config().breakGlassMinutes },
    });
    return { patientId, expiresAt: expiresAt.toISOString() };
  });
  if (result === "locked") throw new TooManyRequests("break-glass-locked");
  if (result === "wrong-code") throw new InvalidInput("The authentication code is not valid", { code: ["That code is not valid. Enter a new code from your app."] });
  if (result === "unknown") throw new NotFound("patient");
  return result;
}
