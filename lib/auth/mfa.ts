import "server-only";
import QRCode from "qrcode";
import type { RequestMeta } from "@/lib/access/actor";
import { openSystem, sealSystem } from "@/lib/crypto/secret";
import { withSystem, type Tx } from "@/lib/db/transaction";
import { hashRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { isLocked, registerFailure, throttleKeys } from "./throttle";
import { newTotpSecret, totpUri, verifyTotp } from "./totp";

export type SecondFactorResult = { ok: true } | { ok: false; reason: "invalid" | "locked" };

const at = (userId: string, column: string) => ({ table: "app_user", column, rowId: userId });

async function liveSession(tx: Tx, sessionId: string) {
  const session = await tx.authSession.findUnique({ where: { id: sessionId }, include: { user: true } });
  return !session || session.revokedAt ? null : session;
}

async function pendingSession(tx: Tx, sessionId: string) {
  const session = await liveSession(tx, sessionId);
  return session && !session.mfaVerifiedAt ? session : null;
}

/**
 * Second factor: a TOTP code (each time step accepted once) or an unused recovery code. Failures count
 * toward the same per-account lockout as passwords, so the 10^6 code space cannot be brute-forced.
 */
export async function verifySecondFactor(sessionId: string, code: string, request: RequestMeta): Promise<SecondFactorResult> {
  return withSystem(request, async ({ tx, audit }) => {
    const session = await pendingSession(tx, sessionId);
    if (!session?.user.mfaSecretEnc) return { ok: false, reason: "invalid" } as const;
    const { user } = session;
    const keys = throttleKeys(user.emailBidx, request.ip);
    const who = { actorId: user.id, actorRole: user.role, resourceType: "session", resourceId: session.id };
    if (await isLocked(tx, keys)) {
      audit({ ...who, action: "auth.mfa", outcome: "denied", details: { reason: "locked" } });
      return { ok: false, reason: "locked" } as const;
    }
    let method: "totp" | "recovery-code" | null = null;
    if (/^\d{6}$/.test(code)) {
      if (await verifyActorTotp(tx, user.id, code)) method = "totp";
    } else {
      const used = await tx.recoveryCode.updateMany({
        where: { userId: user.id, codeHash: hashRecoveryCode(user.id, code), usedAt: null },
        data: { usedAt: new Date() },
      });
      if (used.count === 1) method = "recovery-code";
    }
    if (!method) {
      const locked = await registerFailure(tx, keys);
      audit({ ...who, action: "auth.mfa", outcome: "denied", details: { reason: "wrong-code" } });
      if (locked.length > 0) {
        audit({ ...who, action: "auth.lockout", outcome: "denied", details: { scope: "mfa" } });
        await tx.authSession.update({ where: { id: session.id }, data: { revokedAt: new Date(), revokedReason: "lockout" } });
      }
      return { ok: false, reason: locked.length > 0 ? "locked" : "invalid" } as const;
    }
    await tx.authSession.update({ where: { id: session.id }, data: { mfaVerifiedAt: new Date() } });
    audit({ ...who, action: "auth.mfa", details: { method } });
    return { ok: true } as const;
  });
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
    const label = openSystem(user.emailEnc, at(user.id, "email_enc"));
    return { secret, qrDataUrl: await QRCode.toDataURL(totpUri(secret, label)) };
  });
}

/** Confirms enrolment with a code from the new secret; returns the recovery codes, shown exactly once. */
export async function confirmEnrollment(sessionId: string, code: string, request: RequestMeta): Promise<string[] | null> {
  return withSystem(request, async ({ tx, audit }) => {
    const session = await liveSession(tx, sessionId);
    const pendingEnc = session?.user.mfaPendingSecretEnc;
    if (!session || !pendingEnc || session.user.mfaEnrolledAt) return null;
    const { user } = session;
    const secret = openSystem(pendingEnc, at(user.id, "mfa_pending_secret_enc"));
    const result = await verifyTotp(secret, code, null);
    const who = { actorId: user.id, actorRole: user.role, resourceType: "user", resourceId: user.id };
    if (!result.ok) {
      audit({ ...who, action: "auth.mfa_enrol", outcome: "denied", details: { reason: "wrong-code" } });
      return null;
    }
    const codes = newRecoveryCodes();
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ userId: user.id, codeHash: hashRecoveryCode(user.id, c) })) });
    await tx.user.update({
      where: { id: user.id },
      data: {
        mfaSecretEnc: sealSystem(secret, at(user.id, "mfa_secret_enc")),
        mfaPendingSecretEnc: null,
        mfaEnrolledAt: new Date(),
        totpLastStep: result.step,
      },
    });
    if (!session.mfaVerifiedAt) await tx.authSession.update({ where: { id: session.id }, data: { mfaVerifiedAt: new Date() } });
    audit({ ...who, action: "auth.mfa_enrol" });
    return codes;
  });
}

/** A TOTP code of the user's enrolled secret, each time step accepted once; also re-authenticates break-glass. */
export async function verifyActorTotp(tx: Tx, userId: string, code: string): Promise<boolean> {
  const user = await tx.user.findUnique({ where: { id: userId } });
  if (!user?.mfaSecretEnc) return false;
  const result = await verifyTotp(openSystem(user.mfaSecretEnc, at(user.id, "mfa_secret_enc")), code, user.totpLastStep);
  if (!result.ok) return false;
  await tx.user.update({ where: { id: userId }, data: { totpLastStep: result.step } });
  return true;
}
