import "server-only";
import type { Actor } from "@/lib/access/actor";
import { InvalidInput } from "@/lib/access/errors";
import { verifyActorTotp } from "@/lib/auth/mfa";
import { verifyPassword } from "@/lib/auth/password";
import { secondFactorKeys, signInKeys, throttledCheck } from "@/lib/auth/throttle";
import { withSystem } from "@/lib/db/transaction";
import { reauthSchema } from "@/lib/validation/reauth";

const wrongPassword = "That password is not correct. Nothing has been changed.";
const wrongCode = "That code is not correct. Enter the 6-digit code your authenticator app shows now. Nothing has been changed.";
const missingCode = "Enter the 6-digit code from your authenticator app.";
const locked = "Too many wrong attempts. For your safety this is paused; try again in 15 minutes.";

/**
 * Proves, again, that the person at the keyboard owns the account before an irreversible step (erasure): an open
 * session alone — a borrowed phone, an unlocked computer — must not be enough. The password counts against the
 * sign-in lockout and the code against the second-factor lockout, so re-authentication is no way around either.
 * Every refusal is audited (`auth.reauth`, denied, with the step and why) and committed before the caller sees
 * it; the caller does nothing unless this returns.
 */
export async function reauthenticate(actor: Actor, raw: unknown, purpose: string): Promise<void> {
  const input = reauthSchema.parse(raw);
  const result = await withSystem(
    actor.request,
    async (ctx) => {
      const { tx, audit } = ctx;
      const who = { actorId: actor.userId, actorRole: actor.role, resourceType: "user", resourceId: actor.userId };
      const refuse = (field: "password" | "code", reason: string, problem: string) => {
        // Returned, not thrown: the denial and the throttle's count must commit.
        audit({ ...who, action: "auth.reauth", outcome: "denied", details: { purpose, step: field, reason } });
        return { ok: false, field, problem } as const;
      };
      const user = await tx.user.findUniqueOrThrow({ where: { id: actor.userId } });
      const password = await throttledCheck(ctx, signInKeys(user.emailBidx, actor.request.ip), { actorId: user.id, actorRole: user.role, step: "password" }, async () =>
        (await verifyPassword(user.passwordHash, input.password)) ? true : null,
      );
      if (password.outcome === "refused") return refuse("password", password.reason, locked);
      if (password.outcome === "failed") return refuse("password", "wrong-password", password.locked ? locked : wrongPassword);
      if (user.mfaEnrolledAt) {
        if (!input.code) return refuse("code", "missing-code", missingCode);
        const code = input.code;
        const totp = await throttledCheck(ctx, secondFactorKeys(user.id, actor.request.ip), { actorId: user.id, actorRole: user.role, step: "mfa" }, async () =>
          (await verifyActorTotp(tx, user.id, code)) ? true : null,
        );
        if (totp.outcome === "refused") return refuse("code", totp.reason, locked);
        if (totp.outcome === "failed") return refuse("code", "wrong-code", totp.locked ? locked : wrongCode);
      }
      audit({ ...who, action: "auth.reauth", details: { purpose, factors: user.mfaEnrolledAt ? ["password", "totp"] : ["password"] } });
      return { ok: true } as const;
    },
    actor.userId,
  );
  if (!result.ok) throw new InvalidInput(result.problem, { [result.field]: [result.problem] });
}
