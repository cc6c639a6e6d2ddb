import "server-only";
import type { Actor } from "@/lib/access/actor";
import { throttledCheck, type Attempt, type ThrottledResult, type ThrottleKey } from "@/lib/auth/throttle";
import type { User } from "@/lib/db/generated/client";
import { withSystem, type ActorContext } from "@/lib/db/transaction";

/** How the audit log names a change to one's own account. */
export const ownAccount = (actor: Actor) => ({ actorId: actor.userId, actorRole: actor.role, resourceType: "user", resourceId: actor.userId });

/**
 * One transaction on the signed-in person's own account, with their row loaded. As the system on their
 * behalf: password hashes and second factors are the system's alone to write (0009_second_wall).
 */
export function withOwnAccount<T>(actor: Actor, work: (ctx: ActorContext, user: User) => Promise<T>): Promise<T> {
  return withSystem(actor.request, async (ctx) => work(ctx, await ctx.tx.user.findUniqueOrThrow({ where: { id: actor.userId } })), actor.userId);
}

/**
 * A change to one's own account that asks for a fresh proof (the current password, a TOTP code): an open
 * session alone must not be enough. The proof counts against the same lockout as signing in, and a wrong
 * or refused one is audited here; the caller returns, not throws, so the denial and the count commit.
 */
export async function checkOwnProof(
  ctx: ActorContext,
  actor: Actor,
  user: User,
  attempt: { action: string; step: Attempt["step"]; keys: ThrottleKey[]; wrong: string; proof: () => Promise<boolean> },
): Promise<ThrottledResult<true>> {
  const checked = await throttledCheck(ctx, attempt.keys, { actorId: user.id, actorRole: user.role, step: attempt.step }, async () => ((await attempt.proof()) ? true : null));
  if (checked.outcome !== "ok") {
    ctx.audit({
      ...ownAccount(actor),
      action: attempt.action,
      outcome: "denied",
      details: { reason: checked.outcome === "refused" ? checked.reason : attempt.wrong },
    });
  }
  return checked;
}
