import "server-only";
import QRCode from "qrcode";
import type { RequestMeta } from "@/lib/access/actor";
import { openSystem, sealSystem } from "@/lib/crypto/secret";
import { openAccountText } from "@/lib/services/patient-text";
import { withSystem, type Tx } from "@/lib/db/transaction";
import { hashRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { secondFactorKeys, throttledCheck } from "./throttle";
import { newTotpSecret, totpUri, verifyTotp } from "./totp";

export type SecondFactorResult = { ok: true } | { ok: false; reason: "invalid" | "locked" };

const at = (userId: string, column: string) => ({ table: "app_user", column, rowId: userId });

interface SessionState {
  revokedAt: Date | null;
  expiresAt: Date;
  userVersion: number;
  user: { disabledAt: Date | null; sessionVersion: number };
}

/** A session that may still act: not revoked, not expired, and its user neither disabled nor changed since. */
function isLive(session: SessionState): boolean {
  if (session.revokedAt || session.expiresAt.getTime() <= Date.now()) return false;
  return !session.user.disabledAt && session.user.sessionVersion === session.userVersion;
}

async function liveSession(tx: Tx, sessionId: string) {
  const session = await tx.authSession.findUnique({ where: { id: sessionId }, include: { user: true } });
  return session && isLive(session) ? session : null;
}

/** A session still owing its second factor ends with the lockout: the password must be given again after it. */
async function endPendingSession(tx: Tx, session: { id: string; mfaVerifiedAt: Date | null }): Promise<void> {
  if (session.mfaVerifiedAt) return;
  await tx.authSession.updateMany({ where: { id: session.id, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: "lockout" } });
}

/**
 * Second factor: a TOTP code (each time step accepted once) or an unused recovery code. Both count toward the
 * user's second-factor lockout, checked one at a time under its row lock, so the 10^6 code space cannot be
 * brute-forced, not even by parallel requests.
 */
export async function verifySecondFactor(sessionId: string, code: string, request: RequestMeta): Promise<SecondFactorResult> {
  return withSystem(request, async (ctx) => {
    const { tx, audit } = ctx;
    const session = await tx.authSession.findUnique({ where: { id: sessionId }, include: { user: true } });
    if (!session) return { ok: false, reason: "invalid" } as const;
    const { user } = session;
    const who = { actorId: user.id, actorRole: user.role, resourceType: "session", resourceId: session.id };
    // Revoked (by a lockout, say), expired or already verified: recorded, since parallel guesses land here.
    if (!isLive(session) || session.mfaVerifiedAt || !user.mfaSecretEnc) {
      audit({ ...who, action: "auth.mfa", outcome: "denied", details: { reason: "no-pending-mfa" } });
      return { ok: false, reason: "invalid" } as const;
    }
    const result = await throttledCheck(ctx, secondFactorKeys(user.id, request.ip), { actorId: user.id, actorRole: user.role, step: "mfa" }, () =>
      checkCode(tx, user.id, code),
    );
    if (result.outcome !== "ok") {
      const locked = result.outcome === "refused" || result.locked;
      audit({ ...who, action: "auth.mfa", outcome: "denied", details: { reason: result.outcome === "refused" ? result.reason : "wrong-code" } });
      if (locked) await endPendingSession(tx, session);
      return { ok: false, reason: locked ? "locked" : "invalid" } as const;
    }
    // Conditional: a parallel request may have revoked this session (lockout, sign-out) since it was read.
    const verified = await tx.authSession.updateMany({ where: { id: session.id, mfaVerifiedAt: null, revokedAt: null }, data: { mfaVerifiedAt: new Date() } });
    if (verified.count === 0) {
      audit({ ...who, action: "auth.mfa", outcome: "denied", details: { reason: "no-pending-mfa" } });
      return { ok: false, reason: "invalid" } as const;
    }
    audit({ ...who, action: "auth.mfa", details: { method: result.value } });
    return { ok: true } as const;
  });
}

async function checkCode(tx: Tx, userId: string, code: string): Promise<"totp" | "recovery-code" | null> {
  if (/^\d{6}$/.test(code)) return (await verifyActorTotp(tx, userId, code)) ? "totp" : null;
  // One statement: of parallel requests with the same recovery code, exactly one marks it used.
  const used = await tx.recoveryCode.updateMany({
    where: { userId, codeHash: hashRecoveryCode(userId, code), usedAt: null },
    data: { usedAt: new Date() },
  });
  return used.count === 1 ? "recovery-code" : null;
}

export interface EnrollmentChallenge {
  secret: string;
  qrDataUrl: string;
}

/**
 * Starts (or resumes) TOTP enrolment, for staff at their first sign-in or a patient who opts in: the
 * secret stays pending until a code from it is confirmed.
 */
export async function beginEnrollment(sessionId: string, request: RequestMeta): Promise<EnrollmentChallenge | null> {
  return withSystem(request, async ({ tx }) => {
    const session = await liveSession(tx, sessionId);
    if (!session || session.user.mfaEnrolledAt) return null;
    const { user } = session;
    let secret: string;
    if (user.mfaPendingSecretEnc) {
      secret = openSystem(user.mfaPendingSecretEnc, at(user.id, "mfa_pending_secret_enc"));
    } else {
      secret = newTotpSecret();
      await tx.user.update({
        where: { id: user.id },
        data: { mfaPendingSecretEnc: sealSystem(secret, at(user.id, "mfa_pending_secret_enc")) },
      });
    }
    const label = await openAccountText(tx, user, "email_enc", user.emailEnc);
    return { secret, qrDataUrl: await QRCode.toDataURL(totpUri(secret, label)) };
  });
}

export type EnrollmentResult = { ok: true; recoveryCodes: string[] } | { ok: false; reason: "invalid" | "locked" };

/**
 * Confirms enrolment with a code from the new secret; returns the recovery codes, shown exactly once. Wrong
 * codes count toward the user's second-factor lockout like any other code.
 */
export async function confirmEnrollment(sessionId: string, code: string, request: RequestMeta): Promise<EnrollmentResult> {
  return withSystem(request, async (ctx) => {
    const { tx, audit } = ctx;
    const session = await liveSession(tx, sessionId);
    const pendingEnc = session?.user.mfaPendingSecretEnc;
    if (!session || !pendingEnc || session.user.mfaEnrolledAt) return { ok: false, reason: "invalid" } as const;
    const { user } = session;
    const who = { actorId: user.id, actorRole: user.role, resourceType: "user", resourceId: user.id };
    const secret = openSystem(pendingEnc, at(user.id, "mfa_pending_secret_enc"));
    const result = await throttledCheck(ctx, secondFactorKeys(user.id, request.ip), { actorId: user.id, actorRole: user.role, step: "enrolment" }, async () => {
      const checked = await verifyTotp(secret, code, null);
      return checked.ok ? checked.step : null;
    });
    if (result.outcome !== "ok") {
      const locked = result.outcome === "refused" || result.locked;
      audit({ ...who, action: "auth.mfa_enrol", outcome: "denied", details: { reason: result.outcome === "refused" ? result.reason : "wrong-code" } });
      if (locked) await endPendingSession(tx, session);
      return { ok: false, reason: locked ? "locked" : "invalid" } as const;
    }
    // Conditional: of parallel confirmations of one secret, one enrols; the others would replace its codes.
    const enrolled = await tx.user.updateMany({
      where: { id: user.id, mfaEnrolledAt: null, mfaPendingSecretEnc: pendingEnc },
      data: { mfaSecretEnc: sealSystem(secret, at(user.id, "mfa_secret_enc")), mfaPendingSecretEnc: null, mfaEnrolledAt: new Date(), totpLastStep: result.value },
    });
    if (enrolled.count === 0) return { ok: false, reason: "invalid" } as const;
    const codes = newRecoveryCodes();
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.id, codeHash: hashRecoveryCode(user.id, c) })) });
    if (!session.mfaVerifiedAt) await tx.authSession.update({ where: { id: session.id }, data: { mfaVerifiedAt: new Date() } });
    audit({ ...who, action: "auth.mfa_enrol" });
    return { ok: true, recoveryCodes: codes } as const;
  });
}

/**
 * A TOTP code of the user's enrolled secret, each time step accepted once; also re-authenticates break-glass.
 * Compare-and-set on the last step: of parallel requests carrying one code (a replay racing the user), one wins.
 */
export async function verifyActorTotp(tx: Tx, userId: string, code: string): Promise<boolean> {
  const user = await tx.user.findUnique({ where: { id: userId } });
  if (!user?.mfaSecretEnc) return false;
  const result = await verifyTotp(openSystem(user.mfaSecretEnc, at(user.id, "mfa_secret_enc")), code, user.totpLastStep);
  if (!result.ok) return false;
  const consumed = await tx.user.updateMany({
    where: { id: userId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: result.step } }] },
    data: { totpLastStep: result.step },
  });
  return consumed.count === 1;
}
