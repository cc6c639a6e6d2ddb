import "server-only";
import { randomBytes } from "node:crypto";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict, NotFound } from "@/lib/access/errors";
import { issueToken, linkFor, redeemToken, type RedeemRefusal } from "@/lib/auth/account-tokens";
import { lockSubject } from "@/lib/db/locks";
import { openSystem } from "@/lib/crypto/secret";
import type { User } from "@/lib/db/generated/client";
import { withSystem, type ActorContext } from "@/lib/db/transaction";
import { sendMail, type Delivery } from "@/lib/mail/send";
import { invitationTargetSchema, inviteStaffSchema } from "@/lib/validation/account-links";
import { staffRoleSchema } from "@/lib/validation/staff";
import { accountWithEmail, createUser } from "./users";

export interface Invitation {
  userId: string;
  delivery: Delivery;
  /** Set only when no message could be sent (production without SMTP_URL): shown to the administrator once. */
  link: string | null;
}

type StaffRole = "clinician" | "auditor" | "admin";
const roleWords: Record<StaffRole, string> = { clinician: "a clinician", auditor: "an auditor", admin: "an administrator" };

/**
 * An administrator invites a staff member: the account exists at once but stays disabled (no sign-in) until
 * the person opens the 72-hour link, sets a password and so activates it; at first sign-in they enrol TOTP like
 * any staff account without it. The account and the token are written as the system on the administrator's
 * behalf (tokens are the system's alone, 0015_account_tokens), after the permission check.
 */
export async function inviteStaff(actor: Actor, raw: unknown): Promise<Invitation> {
  await authorize(actor, "users.manage");
  const input = inviteStaffSchema.parse(raw);
  const { userId, token } = await withSystem(
    actor.request,
    async (ctx) => {
      const by = { actorId: actor.userId, actorRole: actor.role };
      await lockSubject(ctx.tx, "staff-accounts", "all");
      if (await accountWithEmail(ctx.tx, input.email)) {
        throw new Conflict("An account with this e-mail address already exists.");
      }
      // Nobody knows this password: the account is usable only once the invitation sets one.
      const id = await createUser(ctx, { email: input.email, displayName: input.displayName, role: input.role, password: randomBytes(32).toString("base64url") });
      // now(): the transaction's start, the very instant the token below is stamped with, so activation can
      // tell this disabling from a later one by an administrator (which withdraws the invitation).
      await ctx.tx.$executeRaw`UPDATE app_user SET disabled_at = now(), activated_at = NULL WHERE id = ${id}::uuid`;
      const token = await issueToken(ctx.tx, id, "activation", actor.userId);
      ctx.audit({ ...by, action: "user.invite", resourceType: "user", resourceId: id, details: { role: input.role } });
      if (input.role === "admin") {
        await ctx.tx.alert.createMany({ data: { kind: "privilege_change", severity: "high", actorId: actor.userId, details: { change: "admin-invited", userId: id } } });
      }
      return { userId: id, token };
    },
    actor.userId,
  );
  return { userId, ...(await sendInvitation(input.email, input.displayName, input.role, token)) };
}

async function sendInvitation(to: string, displayName: string, role: StaffRole, token: string): Promise<Omit<Invitation, "userId">> {
  const link = linkFor(`/activate/${token}`);
  const delivery = await sendMail({
    to,
    subject: "Your Custodia account",
    text: [
      `Hello ${displayName},`,
      "",
      `You have been invited to Custodia as ${roleWords[role]}. Open this link within 72 hours to choose your password:`,
      "",
      link,
      "",
      "The link works once. After setting your password you will set up two-step verification with an authenticator app.",
      "If you did not expect this message, ignore it: the account stays locked.",
    ].join("\n"),
  });
  return { delivery, link: delivery.via === "none" ? link : null };
}

/** Until when each invited account's link works, for the staff console (tokens are the system's to read). */
export async function pendingInvitations(actor: Actor): Promise<Map<string, Date>> {
  await authorize(actor, "users.manage");
  return withSystem(
    actor.request,
    async ({ tx }) => {
      const open = await tx.accountToken.findMany({ where: { purpose: "activation", usedAt: null, expiresAt: { gt: new Date() } } });
      return new Map(open.map((t) => [t.userId, t.expiresAt]));
    },
    actor.userId,
  );
}

/**
 * Only for an account that was invited and never activated (activated_at unset): a resend replaces the
 * link (the old one stops working), a withdrawal voids it; the account stays disabled either way.
 */
async function changeInvitation<T>(actor: Actor, raw: unknown, action: string, work: (ctx: ActorContext, user: User) => Promise<T>): Promise<T> {
  const { userId } = invitationTargetSchema.parse(raw);
  await authorize(actor, "users.manage", { resourceType: "user", resourceId: userId });
  return withSystem(
    actor.request,
    async (ctx) => {
      await lockSubject(ctx.tx, "staff-accounts", "all");
      const user = await ctx.tx.user.findUnique({ where: { id: userId } });
      if (!user || user.role === "patient" || !user.disabledAt || user.activatedAt) throw new NotFound("invitation");
      const result = await work(ctx, user);
      ctx.audit({ actorId: actor.userId, actorRole: actor.role, action, resourceType: "user", resourceId: userId, details: { role: user.role } });
      return result;
    },
    actor.userId,
  );
}

export async function resendInvitation(actor: Actor, raw: unknown): Promise<Omit<Invitation, "userId">> {
  const { user, token } = await changeInvitation(actor, raw, "user.invite_resend", async ({ tx }, user) => {
    // Stamped like a new invitation, so the new link is not taken for one withdrawn by a later disabling.
    await tx.$executeRaw`UPDATE app_user SET disabled_at = now() WHERE id = ${user.id}::uuid`;
    return { user, token: await issueToken(tx, user.id, "activation", actor.userId) };
  });
  const at = (column: string) => ({ table: "app_user", column, rowId: user.id });
  return sendInvitation(openSystem(user.emailEnc, at("email_enc")), openSystem(user.displayNameEnc, at("display_name_enc")), staffRoleSchema.parse(user.role), token);
}

export async function withdrawInvitation(actor: Actor, raw: unknown): Promise<void> {
  await changeInvitation(actor, raw, "user.invite_withdraw", async ({ tx }, user) => {
    await tx.accountToken.updateMany({ where: { userId: user.id, purpose: "activation", usedAt: null }, data: { usedAt: new Date() } });
  });
}

/**
 * The invited person sets their password; the account is enabled and any session it had is void. An account
 * an administrator disabled after inviting it stays disabled: disabling withdraws the invitation.
 */
export function activateAccount(raw: unknown, request: RequestMeta) {
  return redeemActivation("staff", raw, request);
}

/**
 * Spends an activation link, staff or patient: the password is set, the account enabled, any session it had
 * void. Each kind of link opens only its own activation (a patient's also asks for the birth date: `prove`).
 */
export function redeemActivation(
  kind: "staff" | "patient",
  raw: unknown,
  request: RequestMeta,
  prove?: (ctx: ActorContext, user: User, token: { id: string; failedProofs: number }) => Promise<RedeemRefusal | null>,
) {
  return redeemToken(
    "activation",
    raw,
    request,
    async ({ tx }, user, passwordHash) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash, disabledAt: null, activatedAt: new Date(), sessionVersion: { increment: 1 } } });
    },
    (user, issuedAt) => ((user.role === "patient") !== (kind === "patient") ? "wrong-account-kind" : withdrawnSince(user, issuedAt)),
    prove,
  );
}

/** An account an administrator disabled after the link was issued: disabling withdraws the invitation. */
function withdrawnSince(user: User, issuedAt: Date): "withdrawn" | null {
  return user.disabledAt && user.disabledAt > issuedAt ? "withdrawn" : null;
}
