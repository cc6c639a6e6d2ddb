import "server-only";
import type { Actor } from "@/lib/access/actor";
import { roleSchema, type Role } from "@/lib/access/roles";
import { openAccountText } from "@/lib/services/patient-text";
import { withActor } from "@/lib/db/transaction";

export interface SessionSummary {
  startedAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
  endedReason: string | null;
}

export interface AccountSummary {
  displayName: string;
  role: Role;
  mfaEnrolled: boolean;
  recentSessions: SessionSummary[];
}

/** The signed-in user's own account and latest sign-ins, so they can spot a session that was not theirs. */
export async function accountSummary(actor: Actor): Promise<AccountSummary> {
  return withActor(actor, async ({ tx }) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: actor.userId } });
    const sessions = await tx.authSession.findMany({
      where: { userId: actor.userId },
      orderBy: { createdAt: "desc" },
      take: 5,
    });
    return {
      displayName: await openAccountText(tx, user, "display_name_enc", user.displayNameEnc),
      role: roleSchema.parse(user.role),
      mfaEnrolled: user.mfaEnrolledAt !== null,
      recentSessions: sessions.map((s) => ({
        startedAt: s.createdAt.toISOString(),
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === actor.sessionId,
        endedReason: s.revokedReason,
      })),
    };
  });
}
