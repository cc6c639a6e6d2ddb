import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import { issueToken, linkFor, NO_ACCOUNT, redeemToken } from "@/lib/auth/account-tokens";
import { passwordResetKeys, reserveAttempt, settleFailure } from "@/lib/auth/throttle";
import { isProduction } from "@/lib/config";
import { blindIndex } from "@/lib/crypto/blind-index";
import { withSystem } from "@/lib/db/transaction";
import { sendMail } from "@/lib/mail/send";
import { log } from "@/lib/ops/log";
import { forgotPasswordSchema } from "@/lib/validation/account-links";

/** The one answer to every request, whether or not the address has an account, and when throttled. */
export const RESET_REQUESTED =
  "If an account uses this address, we have sent it a link to choose a new password. The link works once, for 30 minutes. Check your spam folder if nothing arrives.";

/**
 * Forgot password. Known and unknown addresses take the same path: the same reads, the same throttle
 * reservation (keyed by the blind index of whatever was typed), the same token statements (for an unknown
 * address the INSERT … SELECT finds no account and inserts nothing), and the message goes out after the
 * answer, so neither the answer nor its timing tells whether an account exists. Every request counts
 * against the account and the address: a reset mail cannot be used to flood someone's inbox.
 */
export async function requestPasswordReset(raw: unknown, request: RequestMeta): Promise<string> {
  const input = forgotPasswordSchema.parse(raw);
  const emailBidx = blindIndex("email", input.email);
  const keys = passwordResetKeys(emailBidx, request.ip);
  const outcome = await withSystem(request, async (ctx) => {
    const user = await ctx.tx.user.findUnique({ where: { emailBidx } });
    // Disabled accounts (including invitations not yet accepted) and demo accounts in production get no link.
    const eligible = user && !user.disabledAt && !(user.isDemo && isProduction()) ? user : null;
    const who = { actorId: user?.id ?? null, actorRole: user?.role ?? null };
    const refusal = await reserveAttempt(ctx, keys);
    const token = await issueToken(ctx.tx, refusal || !eligible ? NO_ACCOUNT : eligible.id, "password_reset", null);
    await settleFailure(ctx, keys, { ...who, step: "password-reset" });
    const reason = refusal ?? (!user ? "unknown-account" : !eligible ? "not-eligible" : null);
    ctx.audit({ ...who, action: "auth.password_reset_request", outcome: reason ? "denied" : "allowed", details: reason ? { reason } : {} });
    return reason || !eligible ? null : { to: input.email, token };
  });
  if (outcome) void deliverReset(outcome.to, outcome.token);
  return RESET_REQUESTED;
}

async function deliverReset(to: string, token: string): Promise<void> {
  try {
    const delivery = await sendMail({
      to,
      subject: "Choose a new Custodia password",
      text: [
        "Someone, probably you, asked to reset the password of your Custodia account.",
        "",
        "Open this link within 30 minutes to choose a new password. It works once, and signs you out everywhere:",
        "",
        linkFor(`/reset-password/${token}`),
        "",
        "If you did not ask for this, ignore this message: your password stays as it is.",
      ].join("\n"),
    });
    if (delivery.via === "none") log().warn({ reason: delivery.reason }, "password reset link not sent");
  } catch (error) {
    log().error({ err: error }, "password reset link could not be sent");
  }
}

/** Sets the new password and ends every session of the account at its next request. */
export function resetPassword(raw: unknown, request: RequestMeta) {
  return redeemToken(
    "password_reset",
    raw,
    request,
    async ({ tx }, user, passwordHash) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    },
    // A disabled account (compromised, say) takes no password from a link issued before it was disabled.
    (user) => (user.disabledAt ? "disabled" : null),
  );
}
