import "server-only";
import type { Actor } from "@/lib/access/actor";
import { Conflict, InvalidInput } from "@/lib/access/errors";
import { verifyActorTotp } from "@/lib/auth/mfa";
import { hashRecoveryCode, newRecoveryCodes } from "@/lib/auth/recovery-codes";
import { secondFactorKeys } from "@/lib/auth/throttle";
import { enrollCodeSchema } from "@/lib/validation/auth";
import { checkOwnProof, ownAccount, withOwnAccount } from "./own-account";

export const NOT_ENROLLED = "Turn on two-step verification first: recovery codes stand in for its codes.";
const wrongCode = "That code is not correct. Enter the 6-digit code your authenticator app shows now.";
const locked = "Too many wrong codes. Try again in 15 minutes.";

/**
 * New recovery codes for the signed-in user, every earlier one void; shown exactly once. A fresh TOTP code is
 * required (an open session alone must not mint second factors), counted against the user's second-factor
 * lockout like any code. Recovery codes are the system's alone to write (0009_second_wall), so this runs as
 * the system on the user's behalf and touches only their own codes.
 */
export async function regenerateRecoveryCodes(actor: Actor, raw: unknown): Promise<string[]> {
  const { code } = enrollCodeSchema.parse(raw);
  const result = await withOwnAccount(actor, async (ctx, user) => {
    const { tx, audit } = ctx;
    if (!user.mfaEnrolledAt) return { ok: false, problem: NOT_ENROLLED, conflict: true } as const;
    const checked = await checkOwnProof(ctx, actor, user, {
      action: "auth.recovery_codes",
      step: "mfa",
      keys: secondFactorKeys(user.id, actor.request.ip),
      wrong: "wrong-code",
      proof: () => verifyActorTotp(tx, user.id, code),
    });
    if (checked.outcome !== "ok") {
      const isLocked = checked.outcome === "refused" || checked.locked;
      return { ok: false, problem: isLocked ? locked : wrongCode, conflict: false } as const;
    }
    const codes = newRecoveryCodes();
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.id, codeHash: hashRecoveryCode(user.id, c) })) });
    audit({ ...ownAccount(actor), action: "auth.recovery_codes", details: { issued: codes.length } });
    return { ok: true, codes } as const;
  });
  if (result.ok) return result.codes;
  if (result.conflict) throw new Conflict(result.problem);
  throw new InvalidInput(result.problem, { code: [result.problem] });
}
