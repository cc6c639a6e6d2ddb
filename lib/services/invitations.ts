import "server-only";
import { randomBytes } from "node:crypto";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize } from "@/lib/access/authorize";
import { Conflict } from "@/lib/access/errors";
import { issueToken, linkFor, redeemToken } from "@/lib/auth/account-tokens";
import { blindIndex } from "@/lib/crypto/blind-index";
import { lockSubject } from "@/lib/db/locks";
import { withSystem } from "@/lib/db/transaction";
import { sendMail, type Delivery } from "@/lib/mail/send";
import { inviteStaffSchema } from "@/lib/validation/account-links";
import { createUser } from "./users";

export interface Invitation {
  userId: string;
  delivery: Delivery;
  /** Set only when no message could be sent (production without SMTP_URL): shown to the administrator once. */
  link: string | null;
}

const roleWords = { clinician: "a clinician", auditor: "an auditor", admin: "an administrator" } as const;

/**
 * An administrator invites a staff member: the account exists at once but stays disabled (no sign-in) until
 * the person opens the 72-hour link, sets a password and so activates it; at first sign-in they enrol TOTP like
 * any staff account without it. The account and the token are written as the system on the administrator's
 * behalf (tokens are the system's alone, 0015_account_tokens), after the permission check.
 */
export async function inviteStaff(actor: Actor, raw: unknown): Promise<Invitation> {
  const input = inviteStaffSchema.parse(raw);
  await authorize(actor, "users.manage");
  const { userId, token } = await withSystem(
    actor.request,
    async (ctx) => {
      const by = { actorId: actor.userId, actorRole: actor.role };
      await lockSubject(ctx.tx, "staff-accounts", "all");
      if (await ctx.tx.user.findUnique({ where: { emailBidx: blindIndex("email", input.email) } })) {
        throw new Conflict("An account with this e-mail address already exists.");
      }
      // Nobody knows this password: the account is usable only once the invitation sets one.
      const id = await createUser(ctx, { email: input.email, displayName: input.displayName, role: input.role, password: randomBytes(32).toString("base64url") });
      // now(): the transaction's start, the very instant the token below is stamped with, so activation can
      // tell this disabling from a later one by an administrator (which withdraws the invitation).
      await ctx.tx.$executeRaw`UPDATE app_user SET disabled_at = now() WHERE id = ${id}::uuid`;
      const token = await issueToken(ctx.tx, id, "activation", actor.userId);
      ctx.audit({ ...by, action: "user.invite", resourceType: "user", resourceId: id, details: { role: input.role } });
      if (input.role === "admin") {
        await ctx.tx.alert.createMany({ data: { kind: "privilege_change", actorId: actor.userId, details: { change: "admin-invited", userId: id } } });
      }
      return { userId: id, token };
    },
    actor.userId,
  );
  const link = linkFor(`/activate/${token}`);
  const delivery = await sendMail({
    to: input.email,
    subject: "Your Custodia account",
    text: [
      `Hello ${input.displayName},`,
      "",
      `You have been invited to Custodia as ${roleWords[input.role]}. Open this link within 72 hours to choose your password:`,
      "",
      link,
      "",
      "The link works once. After setting your password you will set up two-step verification with an authenticator app.",
      "If you did not expect this message, ignore it: the account stays locked.",
    ].join("\n"),
  });
  return { userId, delivery, link: delivery.via === "none" ? link : null };
}

/**
 * The invited person sets their password; the account is enabled and any session it had is void. An account
 * an administrator disabled after inviting it stays disabled: disabling withdraws the invitation.
 */
export function activateAccount(raw: unknown, request: RequestMeta) {
  return redeemToken(
    "activation",
    raw,
    request,
    async ({ tx }, user, passwordHash) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash, disabledAt: null, sessionVersion: { increment: 1 } } });
    },
    (user, issuedAt) => (user.disabledAt && user.disabledAt > issuedAt ? "withdrawn" : null),
  );
}
