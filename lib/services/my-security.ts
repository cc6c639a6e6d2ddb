import "server-only";
import type { Actor } from "@/lib/access/actor";
import { InvalidInput } from "@/lib/access/errors";
import { verifyPassword, hashPassword } from "@/lib/auth/password";
import { passwordProblem } from "@/lib/auth/password-policy";
import { signInKeys } from "@/lib/auth/throttle";
import { config } from "@/lib/config";
import { openAccountText } from "@/lib/services/patient-text";
import { withActor, withSystem } from "@/lib/db/transaction";
import { changePasswordSchema } from "@/lib/validation/staff";
import { checkOwnProof, ownAccount, withOwnAccount } from "./own-account";

export interface ActiveSession {
  id: string;
  startedAt: string;
  lastSeenAt: string;
  ip: string | null;
  device: string | null;
  current: boolean;
}

/** The signed-in user's sessions that could still act, so they can end one they do not recognise. */
export async function myActiveSessions(actor: Actor): Promise<ActiveSession[]> {
  return withActor(actor, async ({ tx }) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: actor.userId } });
    const idleSince = new Date(Date.now() - config().sessionIdleSeconds * 1000);
    const sessions = await tx.authSession.findMany({
      where: {
        userId: actor.userId,
        revokedAt: null,
        userVersion: user.sessionVersion,
        expiresAt: { gt: new Date() },
        lastSeenAt: { gt: idleSince },
      },
      orderBy: { lastSeenAt: "desc" },
    });
    return sessions.map((s) => ({
      id: s.id,
      startedAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      ip: s.ip,
      device: s.userAgent,
      current: s.id === actor.sessionId,
    }));
  });
}

/**
 * Sessions are written only by the system context (0009_second_wall): the request is the user's own, so it
 * runs as the system on their behalf and ends only their sessions other than the one asking.
 */
export async function signOutOtherSessions(actor: Actor, reason = "signed-out-elsewhere"): Promise<number> {
  return withSystem(
    actor.request,
    async ({ tx, audit }) => {
      const ended = await tx.authSession.updateMany({
        where: { userId: actor.userId, revokedAt: null, ...(actor.sessionId ? { id: { not: actor.sessionId } } : {}) },
        data: { revokedAt: new Date(), revokedReason: reason },
      });
      audit({ action: "auth.sessions_revoked", actorId: actor.userId, actorRole: actor.role, resourceType: "user", resourceId: actor.userId, details: { ended: ended.count, reason } });
      return ended.count;
    },
    actor.userId,
  );
}

const wrongPassword = "The current password is not correct.";

/**
 * Changing one's password needs the current one (a session left open must not be enough to take the account),
 * counted against the same lockout as sign-in; the new one must meet the policy. Every other session ends.
 */
export async function changePassword(actor: Actor, raw: unknown): Promise<{ otherSessionsEnded: number }> {
  const input = changePasswordSchema.parse(raw);
  const result = await withOwnAccount(actor, async (ctx, user) => {
    const { tx, audit } = ctx;
    const checked = await checkOwnProof(ctx, actor, user, {
      action: "auth.password_change",
      step: "password",
      keys: signInKeys(user.emailBidx, actor.request.ip),
      wrong: "wrong-password",
      proof: () => verifyPassword(user.passwordHash, input.currentPassword),
    });
    if (checked.outcome !== "ok") {
      return { ok: false, field: "currentPassword", problem: checked.outcome === "refused" ? "Too many wrong passwords. Try again in 15 minutes." : wrongPassword } as const;
    }
    const email = await openAccountText(tx, user, "email_enc", user.emailEnc);
    const problem = passwordProblem(input.newPassword, { email });
    if (problem) return { ok: false, field: "newPassword", problem } as const;
    await tx.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(input.newPassword) } });
    const ended = await tx.authSession.updateMany({
      where: { userId: user.id, revokedAt: null, ...(actor.sessionId ? { id: { not: actor.sessionId } } : {}) },
      data: { revokedAt: new Date(), revokedReason: "password-change" },
    });
    audit({ ...ownAccount(actor), action: "auth.password_change", details: { otherSessionsEnded: ended.count } });
    return { ok: true, otherSessionsEnded: ended.count } as const;
  });
  if (!result.ok) {
    throw new InvalidInput(result.problem, { [result.field]: [result.problem] });
  }
  return { otherSessionsEnded: result.otherSessionsEnded };
}
