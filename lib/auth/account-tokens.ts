import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { RequestMeta } from "@/lib/access/actor";
import { hashPassword } from "@/lib/auth/password";
import { passwordProblem } from "@/lib/auth/password-policy";
import { publicOrigins } from "@/lib/config";
import { openAccountText } from "@/lib/services/patient-text";
import { withSystem, type ActorContext, type Tx } from "@/lib/db/transaction";
import type { User } from "@/lib/db/generated/client";
import { setPasswordSchema } from "@/lib/validation/account-links";

export type TokenPurpose = "activation" | "password_reset";

export const TOKEN_TTL_SECONDS: Record<TokenPurpose, number> = { activation: 72 * 60 * 60, password_reset: 30 * 60 };

/** Stands in for "no account" so the unknown-account path runs the same statements as the known one. */
export const NO_ACCOUNT = "00000000-0000-0000-0000-000000000000";

/** Only the hash is stored: the link in the e-mail is the credential, and a database copy must not yield one. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * A new single-use link token for the account (none when userId is NO_ACCOUNT or the account is gone: the
 * INSERT … SELECT simply inserts no row). Earlier unused tokens of the same purpose are spent first, so only
 * the newest link works. Returns the token, which exists only in the message.
 */
export async function issueToken(tx: Tx, userId: string, purpose: TokenPurpose, createdBy: string | null): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await tx.accountToken.updateMany({ where: { userId, purpose, usedAt: null }, data: { usedAt: new Date() } });
  await tx.$executeRaw`
    INSERT INTO account_token (id, user_id, purpose, token_hash, expires_at, created_by)
    SELECT ${randomUUID()}::uuid, u.id, ${purpose}, ${hashToken(token)}, now() + make_interval(secs => ${TOKEN_TTL_SECONDS[purpose]}), ${createdBy}::uuid
    FROM app_user u WHERE u.id = ${userId}::uuid`;
  return token;
}

export function linkFor(path: string): string {
  return `${publicOrigins()[0]}${path}`;
}

export const INVALID_LINK = "This link is not valid any more: it has expired, was already used, or was copied incompletely.";

export type RedeemRefusal = { ok: false; field?: "newPassword" | "birthDate"; message: string };
type Redeemed = { ok: true; user: User; email: string } | RedeemRefusal;

/**
 * Sets a password through a link: the token is checked, the new password against the policy (a weak one
 * leaves the link usable), and the token is spent by one compare-and-set, so of parallel uses exactly one
 * changes the account. Every refusal of the link itself is audited and changes nothing.
 */
export async function redeemToken(
  purpose: TokenPurpose,
  raw: unknown,
  request: RequestMeta,
  apply: (ctx: ActorContext, user: User, passwordHash: string) => Promise<void>,
  /** A reason the account may no longer use this link (say, withdrawn), checked before the token is spent. */
  stale: (user: User, issuedAt: Date) => string | null = () => null,
  /**
   * What the person must prove besides holding the link (a patient's birth date), checked before the token is
   * spent; a refusal is returned, so the failed attempt it counted (on the throttle and on the token) commits.
   */
  prove: (ctx: ActorContext, user: User, token: { id: string; failedProofs: number }) => Promise<RedeemRefusal | null> = async () => null,
): Promise<Redeemed> {
  const input = setPasswordSchema.parse(raw);
  const tokenHash = hashToken(input.token);
  // Hashed before the transaction (argon2 is slow and must not hold the token row's lock), and for every
  // link, valid or not, so the answer's timing says nothing about the token.
  const passwordHash = await hashPassword(input.newPassword);
  return withSystem(request, async (ctx) => {
    const { tx, audit } = ctx;
    const action = purpose === "activation" ? "user.activate" : "auth.password_reset";
    const refuse = (reason: string, userId: string | null): Redeemed => {
      audit({ action, outcome: "denied", actorId: userId, ...(userId ? { resourceType: "user", resourceId: userId } : {}), details: { reason } });
      return { ok: false, message: INVALID_LINK };
    };
    // Uses of one link queue here until the one before commits, so each reads the link as the last left it
    // (a failed proof counted, or the link spent) and parallel guesses cannot share one reading.
    await tx.$queryRaw`SELECT 1 FROM account_token WHERE token_hash = ${tokenHash} FOR UPDATE`;
    const row = await tx.accountToken.findUnique({ where: { tokenHash }, include: { user: true } });
    if (!row || row.purpose !== purpose) return refuse(row ? "wrong-purpose" : "unknown-token", row?.userId ?? null);
    if (row.usedAt) return refuse("used", row.userId);
    if (row.expiresAt <= new Date()) return refuse("expired", row.userId);
    const withdrawn = stale(row.user, row.createdAt);
    if (withdrawn) return refuse(withdrawn, row.userId);
    const unproven = await prove(ctx, row.user, { id: row.id, failedProofs: row.failedProofs });
    if (unproven) return unproven;
    const email = await openAccountText(tx, row.user, "email_enc", row.user.emailEnc);
    const problem = passwordProblem(input.newPassword, { email });
    if (problem) return { ok: false, field: "newPassword", message: problem };
    const spent = await tx.accountToken.updateMany({
      where: { id: row.id, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (spent.count !== 1) return refuse("used", row.userId);
    await apply(ctx, row.user, passwordHash);
    audit({ action, actorId: row.userId, actorRole: row.user.role, resourceType: "user", resourceId: row.userId, details: { purpose } });
    return { ok: true, user: row.user, email };
  });
}
