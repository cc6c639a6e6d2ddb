import "server-only";
import type { Actor } from "@/lib/access/actor";
import { authorize, recordDenial } from "@/lib/access/authorize";
import { AccessDenied, NotFound } from "@/lib/access/errors";
import { issueToken, linkFor } from "@/lib/auth/account-tokens";
import { openAccountText } from "./patient-text";
import { lockSubject } from "@/lib/db/locks";
import type { User } from "@/lib/db/generated/client";
import { withActor, withSystem, type ActorContext } from "@/lib/db/transaction";
import { mailCanBeSent, sendMail, type Delivery } from "@/lib/mail/send";
import { patientInvitationSchema } from "@/lib/validation/patient-registration";

export interface PatientInvitationSent {
  delivery: Delivery;
  /** Set only when no message could be sent (production without SMTP_URL): shown to the clinician once. */
  link: string | null;
}

export async function sendPatientInvitation(to: string, name: string, token: string): Promise<PatientInvitationSent> {
  const link = linkFor(`/activate/patient/${token}`);
  const delivery = await sendMail({
    to,
    subject: "Your Custodia patient portal",
    text: [
      `Hello ${name},`,
      "",
      "Your care team has registered you for the Custodia patient portal, where you can see your record, manage your consent and see who looked at it.",
      "Open this link within 72 hours to set up your account. You will be asked for your date of birth and to choose a password:",
      "",
      link,
      "",
      "The link works once. If you did not expect this message, ignore it: no account is opened without you.",
    ].join("\n"),
  });
  return { delivery, link: delivery.via === "none" ? link : null };
}

/**
 * Resending or withdrawing is for the patient's own care team, who registered them and whom the patient asks
 * (the activation page sends them there); a clinician outside the team gets "not found", logged, like any record
 * out of scope. Only for an account never activated: disabled since registration and never signed in.
 */
async function onMyTeam(actor: Actor, patientId: string): Promise<void> {
  await authorize(actor, "patients.register");
  // RLS shows a clinician the care-team rows of their own teams only (break-glass does not count).
  const seen = await withActor(actor, ({ tx }) => tx.careTeamPatient.findFirst({ where: { patientId }, select: { teamId: true } }));
  if (!seen) {
    await recordDenial(actor, "patients.register", { resourceType: "patient", patientId });
    throw new NotFound("patient");
  }
}

async function changePatientInvitation<T>(
  actor: Actor,
  raw: unknown,
  action: string,
  work: (ctx: ActorContext, user: User) => Promise<T>,
  allowed: (actor: Actor, patientId: string) => Promise<void> = async () => {},
): Promise<T> {
  const { patientId } = patientInvitationSchema.parse(raw);
  await onMyTeam(actor, patientId);
  await allowed(actor, patientId);
  return withSystem(
    actor.request,
    async (ctx) => {
      await lockSubject(ctx.tx, "patient-invitation", patientId);
      const user = await ctx.tx.user.findFirst({ where: { patientId, role: "patient" } });
      if (!user || !user.disabledAt || user.activatedAt) throw new NotFound("invitation");
      const result = await work(ctx, user);
      ctx.audit({ actorId: actor.userId, actorRole: actor.role, action, resourceType: "user", resourceId: user.id, patientId });
      return result;
    },
    actor.userId,
  );
}

export const LINK_ONLY_FOR_REGISTRANT =
  "E-mail is not set up on this server, so a new invitation would be shown as a link to hand over, and only the clinician who registered this patient may be given it. Ask them, or ask an administrator to set up e-mail.";

/**
 * Production without SMTP_URL: a resend cannot be mailed, so its link is handed to the clinician who asked, and
 * whoever holds the link and knows the birth date opens the patient's account. The clinician who registered the
 * patient was handed the first link and typed the birth date, so giving them a new link widens nothing; any
 * other member of the team would be a new holder. So only the registrant (who issued the first activation link)
 * may resend then; anyone else is refused before anything changes (the old link keeps working), and the refusal
 * is recorded. With mail, the link goes to the patient's own address, and anyone on the team may resend.
 */
async function mayBeHandedTheLink(actor: Actor, patientId: string): Promise<void> {
  if (mailCanBeSent()) return;
  const first = await withSystem(
    actor.request,
    ({ tx }) =>
      tx.accountToken.findFirst({
        where: { purpose: "activation", user: { patientId, role: "patient" } },
        orderBy: { createdAt: "asc" },
        select: { createdBy: true },
      }),
    actor.userId,
  );
  if (first?.createdBy === actor.userId) return;
  await recordDenial(actor, "patients.invite_link", { resourceType: "patient", patientId });
  throw new AccessDenied("patients.invite_link", LINK_ONLY_FOR_REGISTRANT);
}

/** A new link, and the old one stops working (issueToken spends it), whatever its failed birth dates. */
export async function resendPatientInvitation(actor: Actor, raw: unknown): Promise<PatientInvitationSent> {
  const { email, name, token } = await changePatientInvitation(actor, raw, "patient.invite_resend", async ({ tx }, user) => {
    // Stamped like a new invitation, so the new link is not taken for one withdrawn by a later disabling.
    // Only while still not activated: an activation that committed meanwhile (it locks the link, not this) wins.
    const stamped = await tx.$executeRaw`UPDATE app_user SET disabled_at = now() WHERE id = ${user.id}::uuid AND disabled_at IS NOT NULL`;
    if (stamped === 0) throw new NotFound("invitation");
    const token = await issueToken(tx, user.id, "activation", actor.userId);
    return { email: await openAccountText(tx, user, "email_enc", user.emailEnc), name: await openAccountText(tx, user, "display_name_enc", user.displayNameEnc), token };
  }, mayBeHandedTheLink);
  return sendPatientInvitation(email, name, token);
}

/** The link stops working; the account stays closed until a resend. */
export async function withdrawPatientInvitation(actor: Actor, raw: unknown): Promise<void> {
  await changePatientInvitation(actor, raw, "patient.invite_withdraw", async ({ tx }, user) => {
    await tx.accountToken.updateMany({ where: { userId: user.id, purpose: "activation", usedAt: null }, data: { usedAt: new Date() } });
  });
}

export type PatientInvitationStatus = { state: "pending"; until: Date } | { state: "not-activated" } | { state: "none" };

/** For the chart: whether the patient's portal invitation is open, spent or withdrawn, or not applicable. */
export async function patientInvitationStatus(actor: Actor, patientId: string): Promise<PatientInvitationStatus> {
  await onMyTeam(actor, patientId);
  return withSystem(
    actor.request,
    async ({ tx }) => {
      const user = await tx.user.findFirst({ where: { patientId, role: "patient" } });
      if (!user || !user.disabledAt || user.activatedAt) return { state: "none" } as const;
      const open = await tx.accountToken.findFirst({ where: { userId: user.id, purpose: "activation", usedAt: null, expiresAt: { gt: new Date() } } });
      return open ? ({ state: "pending", until: open.expiresAt } as const) : ({ state: "not-activated" } as const);
    },
    actor.userId,
  );
}
