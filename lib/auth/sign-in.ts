import "server-only";
import type { RequestMeta } from "@/lib/access/actor";
import { roleSchema } from "@/lib/access/roles";
import { isProduction } from "@/lib/config";
import { blindIndex } from "@/lib/crypto/blind-index";
import { withSystem } from "@/lib/db/transaction";
import type { SignInInput } from "@/lib/validation/auth";
import { burnPasswordCheck, verifyPassword } from "./password";
import { createSession } from "./sessions";
import { reserveAttempt, settleFailure, settleSuccess, signInKeys } from "./throttle";

export type SignInResult =
  | { ok: true; userId: string; sessionId: string }
  | { ok: false; reason: "invalid" | "locked" | "wrong-portal" };

/**
 * First factor. Unknown account, wrong password, disabled account and demo account in production all
 * answer "invalid" after the same argon2 work, so the response is no account-existence oracle; lockouts
 * count unknown accounts exactly like known ones.
 *
 * The attempt is counted (reserveAttempt) and committed before the password is checked, outside any
 * transaction, and settled in a second transaction that re-checks the locks: parallel guesses cannot all
 * be checked, and a right password that arrives inside a lock does not sign in.
 */
export async function passwordSignIn(input: SignInInput, request: RequestMeta): Promise<SignInResult> {
  const emailBidx = blindIndex("email", input.email);
  const keys = signInKeys(emailBidx, request.ip);
  const who = (user: { id: string; role: string } | null) => ({ actorId: user?.id ?? null, actorRole: user?.role ?? null });

  const reserved = await withSystem(request, async (ctx) => {
    const candidate = await ctx.tx.user.findUnique({ where: { emailBidx } });
    const refusal = await reserveAttempt(ctx, keys);
    if (refusal) {
      ctx.audit({ action: "auth.sign_in", outcome: "denied", ...who(candidate), details: { reason: refusal } });
      return null;
    }
    return { candidate };
  });
  if (!reserved) return { ok: false, reason: "locked" };

  const { candidate } = reserved;
  const passwordOk = candidate ? await verifyPassword(candidate.passwordHash, input.password) : await burnPasswordCheck(input.password);

  return withSystem(request, async (ctx) => {
    const { tx, audit } = ctx;
    // Read again (the same query for known and unknown accounts, so no timing difference): an account
    // disabled or erased while its password was being checked gets no session.
    const current = await tx.user.findUnique({ where: { emailBidx } });
    const user = current && current.id === candidate?.id ? current : null;
    const by = who(user ?? candidate);
    const refusal = !user
      ? "unknown-account"
      : !passwordOk
        ? "wrong-password"
        : user.disabledAt
          ? "disabled"
          : user.isDemo && isProduction()
            ? "demo-account-in-production"
            : null;
    if (refusal || !user) {
      audit({ action: "auth.sign_in", outcome: "denied", ...by, details: { reason: refusal ?? "unknown-account" } });
      const locked = await settleFailure(ctx, keys, { ...by, step: "password" });
      return { ok: false, reason: locked ? "locked" : "invalid" } as const;
    }
    if (!(await settleSuccess(ctx, keys))) {
      audit({ action: "auth.sign_in", outcome: "denied", ...by, details: { reason: "locked-during-check" } });
      return { ok: false, reason: "locked" } as const;
    }
    const role = roleSchema.parse(user.role);
    if ((input.portal === "patient") !== (role === "patient")) {
      audit({ action: "auth.sign_in", outcome: "denied", ...by, details: { reason: "wrong-portal", portal: input.portal } });
      return { ok: false, reason: "wrong-portal" } as const;
    }
    const sessionId = await createSession(tx, user, request);
    audit({ action: "auth.sign_in", ...by, resourceType: "session", resourceId: sessionId, details: { factor: "password" } });
    return { ok: true, userId: user.id, sessionId } as const;
  });
}
