import "server-only";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { mfaRequired, roleSchema } from "@/lib/access/roles";
import { config } from "@/lib/config";
import { withSystemPg } from "@/lib/db/pg-transaction";
import { withSystem, type Tx } from "@/lib/db/transaction";

/**
 * Server-side session records. The next-auth JWT only carries the session id; every request re-checks
 * this row, so sign-out, disabling a user or changing their role takes effect on the very next request.
 */
export type SessionCheck =
  | { status: "active"; actor: Actor }
  | { status: "mfa"; step: "verify" | "enroll"; userId: string; sessionId: string }
  | { status: "invalid"; reason: "missing" | "revoked" | "idle" | "expired" | "user-changed" };

export async function createSession(
  tx: Tx,
  user: { id: string; role: string; sessionVersion: number; mfaEnrolledAt: Date | null },
  request: RequestMeta,
): Promise<string> {
  const role = roleSchema.parse(user.role);
  // A patient who has not opted into TOTP is fully signed in by the password; everyone else must pass MFA.
  const needsMfa = mfaRequired(role) || user.mfaEnrolledAt !== null;
  const session = await tx.authSession.create({
    data: {
      userId: user.id,
      userVersion: user.sessionVersion,
      expiresAt: new Date(Date.now() + config().sessionMaxSeconds * 1000),
      mfaVerifiedAt: needsMfa ? null : new Date(),
      ip: request.ip,
      userAgent: request.userAgent?.slice(0, 512) ?? null,
    },
  });
  return session.id;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The common case in one statement: a live, unexpired, non-idle, MFA-complete session of an enabled user at
 * the session's version is touched and its user returned. The clock is this process's, as in the full check.
 */
const ACTIVE_SESSION_SQL = `
UPDATE auth_session s SET last_seen_at = $2
  FROM app_user u
 WHERE s.id = $1 AND u.id = s.user_id
   AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.last_seen_at >= $3 AND s.mfa_verified_at IS NOT NULL
   AND u.disabled_at IS NULL AND u.session_version = s.user_version
RETURNING u.id AS user_id, u.role, u.patient_id, u.mfa_enrolled_at IS NOT NULL AS mfa_enrolled`;

export async function checkSession(sessionId: string | undefined, request: RequestMeta): Promise<SessionCheck> {
  if (!sessionId || !uuidPattern.test(sessionId)) return { status: "invalid", reason: "missing" };
  const now = Date.now();
  // Raw pg, same system context and RLS as withSystem: four round trips instead of Prisma's transaction,
  // on every request. Any other outcome (refused, idle, expired, changed, MFA owed) takes the full path
  // below, which ends the session and records why.
  const [active] = await withSystemPg(request, ({ query }) =>
    query<{ user_id: string; role: string; patient_id: string | null; mfa_enrolled: boolean }>(ACTIVE_SESSION_SQL, [
      sessionId,
      new Date(now),
      new Date(now - config().sessionIdleSeconds * 1000),
    ]),
  );
  if (active) {
    if (active.role === "patient" && !active.mfa_enrolled && config().patientMfa === "required") {
      return { status: "mfa", step: "enroll", userId: active.user_id, sessionId };
    }
    const role = roleSchema.parse(active.role);
    return { status: "active", actor: { userId: active.user_id, role, patientId: active.patient_id, sessionId, request } };
  }
  return fullCheck(sessionId, request);
}

async function fullCheck(sessionId: string, request: RequestMeta): Promise<SessionCheck> {
  return withSystem(request, async ({ tx, audit }) => {
    const session = await tx.authSession.findUnique({ where: { id: sessionId }, include: { user: true } });
    if (!session) return { status: "invalid", reason: "missing" } as const;
    if (session.revokedAt) return { status: "invalid", reason: "revoked" } as const;
    const now = Date.now();
    const { user } = session;
    const end = async (reason: "idle" | "expired" | "user-changed", action: string) => {
      await tx.authSession.update({ where: { id: session.id }, data: { revokedAt: new Date(), revokedReason: reason } });
      audit({ action, actorId: user.id, actorRole: user.role, resourceType: "session", resourceId: session.id });
      return { status: "invalid", reason } as const;
    };
    if (now >= session.expiresAt.getTime()) return end("expired", "auth.session_expired");
    if (now - session.lastSeenAt.getTime() > config().sessionIdleSeconds * 1000) {
      return end("idle", "auth.session_timeout");
    }
    if (user.disabledAt || user.sessionVersion !== session.userVersion) {
      return end("user-changed", "auth.session_invalidated");
    }
    await tx.authSession.update({ where: { id: session.id }, data: { lastSeenAt: new Date() } });
    if (!session.mfaVerifiedAt) {
      return { status: "mfa", step: user.mfaEnrolledAt ? "verify" : "enroll", userId: user.id, sessionId: session.id } as const;
    }
    // PATIENT_MFA=required: checked here, the one door every patient page, action and route handler passes,
    // so a patient without TOTP reaches no PHI anywhere until they have enrolled (HIPAA 164.312(d)).
    if (user.role === "patient" && !user.mfaEnrolledAt && config().patientMfa === "required") {
      return { status: "mfa", step: "enroll", userId: user.id, sessionId: session.id } as const;
    }
    const actor: Actor = {
      userId: user.id,
      role: roleSchema.parse(user.role),
      patientId: user.patientId,
      sessionId: session.id,
      request,
    };
    return { status: "active", actor } as const;
  });
}

export async function revokeSession(sessionId: string, reason: string, request: RequestMeta): Promise<void> {
  if (!uuidPattern.test(sessionId)) return;
  await withSystem(request, async ({ tx, audit }) => {
    const session = await tx.authSession.findUnique({ where: { id: sessionId }, include: { user: true } });
    if (!session || session.revokedAt) return;
    await tx.authSession.update({ where: { id: sessionId }, data: { revokedAt: new Date(), revokedReason: reason } });
    audit({
      action: reason === "sign-out" ? "auth.sign_out" : "auth.session_revoked",
      actorId: session.userId,
      actorRole: session.user.role,
      resourceType: "session",
      resourceId: sessionId,
      details: { reason },
    });
  });
}
