import "server-only";
import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize, recordDenial } from "@/lib/access/authorize";
import { Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { issueToken, linkFor, type RedeemRefusal } from "@/lib/auth/account-tokens";
import { activationKeys, throttledCheck } from "@/lib/auth/throttle";
import { blindIndex } from "@/lib/crypto/blind-index";
import { lockSubject } from "@/lib/db/locks";
import type { User } from "@/lib/db/generated/client";
import { withActor, withSystem, type ActorContext } from "@/lib/db/transaction";
import { sendMail, type Delivery } from "@/lib/mail/send";
import { patientActivationSchema, registerPatientSchema } from "@/lib/validation/patient-registration";
import { assignPatientToTeam } from "./care-teams";
import { redeemActivation } from "./invitations";
import { patientCipher } from "./patient-keys";
import { registerPatient } from "./patients";
import { createUser } from "./users";

export interface PatientRegistration {
  patientId: string;
  mrn: string;
  delivery: Delivery;
  /** Set only when no message could be sent (production without SMTP_URL): shown to the clinician once. */
  link: string | null;
}

export const WRONG_BIRTH_DATE = "This birth date does not match our records. Check it and try again.";
export const ACTIVATION_LOCKED = "Too many wrong birth dates. Try again in 15 minutes, or ask your care team for a new invitation.";

/**
 * The care team the patient joins: one of the clinician's own, read as the clinician (RLS shows them their own
 * memberships only). Any other id is mass assignment: recorded as a denial and answered "not found", like
 * any record out of scope.
 */
async function chosenTeam(actor: Actor, teamId: string | undefined): Promise<string> {
  const mine = await withActor(actor, ({ tx }) => tx.careTeamMember.findMany({ where: { userId: actor.userId }, select: { teamId: true } }));
  const ids = mine.map((m) => m.teamId);
  if (teamId) {
    if (ids.includes(teamId)) return teamId;
    await recordDenial(actor, "patients.register", { resourceType: "care_team", resourceId: teamId });
    throw new NotFound("care team");
  }
  if (ids.length === 0) throw new Conflict("You are not in a care team yet, so you cannot register patients. Ask an administrator to add you to one.");
  if (ids.length > 1) throw new InvalidInput("Choose the care team", { teamId: ["Choose the care team the patient joins"] });
  return ids[0]!;
}

/** "MRN-" and six digits, as the hospital writes them; one not yet taken (checked by its blind index). */
async function freeMrn(ctx: ActorContext): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const mrn = `MRN-${String(randomInt(1_000_000)).padStart(6, "0")}`;
    if (!(await ctx.tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", mrn) }, select: { patientId: true } }))) return mrn;
  }
  throw new Conflict("Could not find a free MRN. Try again.");
}

/**
 * A clinician registers a new patient into one of their care teams and invites them to the portal. The
 * identity goes through registerPatient (its own data key, encrypted fields, blind indexes); the patient's
 * account exists at once but stays disabled until they open the 72-hour link and prove their birth date.
 * Written as the system on the clinician's behalf after the permission and team checks: care-team
 * assignments, accounts and link tokens are not the clinician's to write directly (0009, 0015).
 */
export async function registerAndInvitePatient(actor: Actor, raw: unknown): Promise<PatientRegistration> {
  await authorize(actor, "patients.register");
  const input = registerPatientSchema.parse(raw);
  const teamId = await chosenTeam(actor, input.teamId);
  const registered = await withSystem(
    actor.request,
    async (ctx) => {
      const by = { actorId: actor.userId, actorRole: actor.role };
      // One registration at a time: "is this MRN or address free?" is checked and acted on together.
      await lockSubject(ctx.tx, "patient-registration", "all");
      if (await ctx.tx.user.findUnique({ where: { emailBidx: blindIndex("email", input.email) }, select: { id: true } })) {
        throw new InvalidInput("This e-mail address already has an account", { email: ["This e-mail address already has a Custodia account"] });
      }
      if (input.mrn && (await ctx.tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", input.mrn) }, select: { patientId: true } }))) {
        throw new InvalidInput("This MRN is taken", { mrn: ["A patient with this MRN is already registered. Search for them instead."] });
      }
      const mrn = input.mrn ?? (await freeMrn(ctx));
      const { givenName, familyName, birthDate, sex, phone, email } = input;
      const patientId = await registerPatient(ctx, { givenName, familyName, birthDate, sex, mrn, phone, email });
      await assignPatientToTeam(ctx, teamId, patientId);
      // Nobody knows this password: the account is usable only once the invitation sets one.
      const userId = await createUser(ctx, {
        email,
        displayName: `${givenName} ${familyName}`,
        role: "patient",
        password: randomBytes(32).toString("base64url"),
        patientId,
      });
      await ctx.tx.$executeRaw`UPDATE app_user SET disabled_at = now() WHERE id = ${userId}::uuid`;
      const token = await issueToken(ctx.tx, userId, "activation", actor.userId);
      ctx.audit({ ...by, action: "patient.register", resourceType: "user", resourceId: userId, patientId, details: { teamId, mrnGenerated: !input.mrn } });
      return { patientId, mrn, token };
    },
    actor.userId,
  );
  const link = linkFor(`/activate/patient/${registered.token}`);
  const delivery = await sendMail({
    to: input.email,
    subject: "Your Custodia patient portal",
    text: [
      `Hello ${input.givenName},`,
      "",
      "Your care team has registered you for the Custodia patient portal, where you can see your record, manage your consent and see who looked at it.",
      "Open this link within 72 hours to set up your account. You will be asked for your date of birth and to choose a password:",
      "",
      link,
      "",
      "The link works once. If you did not expect this message, ignore it: no account is opened without you.",
    ].join("\n"),
  });
  return { patientId: registered.patientId, mrn: registered.mrn, delivery, link: delivery.via === "none" ? link : null };
}

function sameDate(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * The patient opens their invitation: the link's token (the invitation code) and their birth date together
 * prove who they are. Each wrong birth date counts toward a lockout of this account's activation and of the
 * address (lib/auth/throttle.ts), under the throttle row's lock, so parallel guesses are counted in full; the
 * link stays valid meanwhile. The token is spent by one compare-and-set: of parallel activations one wins.
 */
export function activatePatientAccount(raw: unknown, request: RequestMeta) {
  const { birthDate } = patientActivationSchema.parse(raw);
  const prove = async (ctx: ActorContext, user: User): Promise<RedeemRefusal | null> => {
    const who = { actorId: user.id, actorRole: user.role, resourceType: "user", resourceId: user.id };
    const result = await throttledCheck(ctx, activationKeys(user.id, request.ip), { actorId: user.id, actorRole: user.role, step: "activation" }, async () => {
      const cipher = user.patientId ? await patientCipher(ctx.tx, user.patientId) : null;
      const identity = user.patientId ? await ctx.tx.patientIdentity.findUnique({ where: { patientId: user.patientId } }) : null;
      if (!cipher || !identity) return null;
      return sameDate(cipher.open("patient_identity", "birth_date_enc", identity.patientId, identity.birthDateEnc), birthDate) ? true : null;
    });
    if (result.outcome === "ok") return null;
    const reason = result.outcome === "refused" ? result.reason : "wrong-birth-date";
    ctx.audit({ ...who, action: "user.activate", outcome: "denied", details: { reason } });
    const locked = result.outcome === "refused" || result.locked;
    return { ok: false, field: "birthDate", message: locked ? ACTIVATION_LOCKED : WRONG_BIRTH_DATE };
  };
  return redeemActivation("patient", raw, request, prove);
}
