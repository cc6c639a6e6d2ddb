import "server-only";
import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import type { Actor, RequestMeta } from "@/lib/access/actor";
import { authorize, recordDenial } from "@/lib/access/authorize";
import { Conflict, InvalidInput, NotFound } from "@/lib/access/errors";
import { issueToken, type RedeemRefusal } from "@/lib/auth/account-tokens";
import { activationKeys, throttledCheck } from "@/lib/auth/throttle";
import { config } from "@/lib/config";
import { blindIndex } from "@/lib/crypto/blind-index";
import { lockSubject } from "@/lib/db/locks";
import type { User } from "@/lib/db/generated/client";
import { withActor, withSystem, type ActorContext } from "@/lib/db/transaction";
import type { Delivery } from "@/lib/mail/send";
import { patientActivationSchema, registerPatientSchema } from "@/lib/validation/patient-registration";
import { assignPatientToTeam } from "./care-teams";
import { redeemActivation } from "./invitations";
import { sendPatientInvitation } from "./patient-invitations";
import { patientCipher } from "./patient-keys";
import { registerPatient } from "./patients";
import { accountWithEmail, createUser } from "./users";

export interface PatientRegistration {
  patientId: string;
  mrn: string;
  delivery: Delivery;
  /** Set only when no message could be sent (production without SMTP_URL): shown to the clinician once. */
  link: string | null;
}

export const WRONG_BIRTH_DATE = "This birth date does not match our records. Check it and try again.";
export const ACTIVATION_LOCKED = "Too many wrong birth dates. Try again in 15 minutes, or ask your care team for a new invitation.";
export const ACTIVATION_SPENT = "Too many wrong birth dates: this link no longer works. Ask your care team to send you a new invitation.";

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

/**
 * An e-mail address already in use is answered as such: one account per address is what sign-in and password
 * reset rest on, and the clinician, with the patient in front of them, must know to ask for another address or
 * to look for the existing record. The answer says no more than that: not whether the account is a patient's
 * or staff's, nor whose. What it does say is an existence answer for any address typed, so every such answer
 * (and an MRN already taken) is audited as a denied registration naming the account or patient it hit: an
 * auditor sees a clinician probing addresses. Recorded after the rollback, which the refusal causes.
 */
export const EMAIL_TAKEN = "This e-mail address is already used by a Custodia account. Ask the patient for another address, or search for them by MRN if they may be registered already.";

function refuseTaken(ctx: ActorContext, actor: Actor, event: { resourceType: string; resourceId?: string; patientId?: string; details: { reason: string } }): void {
  ctx.onRollback(() =>
    withActor(actor, async ({ audit }) => {
      audit({ action: "patient.register", outcome: "denied", ...event });
    }),
  );
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
      const account = await accountWithEmail(ctx.tx, input.email);
      if (account) {
        refuseTaken(ctx, actor, { resourceType: "user", resourceId: account.id, details: { reason: "email-taken" } });
        throw new InvalidInput("This e-mail address already has an account", { email: [EMAIL_TAKEN] });
      }
      const holder = input.mrn ? await ctx.tx.patientIdentity.findUnique({ where: { mrnBidx: blindIndex("mrn", input.mrn) }, select: { patientId: true } }) : null;
      if (holder) {
        refuseTaken(ctx, actor, { resourceType: "patient", patientId: holder.patientId, details: { reason: "mrn-taken" } });
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
      await ctx.tx.$executeRaw`UPDATE app_user SET disabled_at = now(), activated_at = NULL WHERE id = ${userId}::uuid`;
      const token = await issueToken(ctx.tx, userId, "activation", actor.userId);
      ctx.audit({ ...by, action: "patient.register", resourceType: "user", resourceId: userId, patientId, details: { teamId, mrnGenerated: !input.mrn } });
      return { patientId, mrn, token };
    },
    actor.userId,
  );
  const sent = await sendPatientInvitation(input.email, input.givenName, registered.token);
  return { patientId: registered.patientId, mrn: registered.mrn, ...sent };
}

function sameDate(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Counts a wrong birth date on the link and spends the link at the configured total. The lockout alone only
 * pauses guessing (5 per 15 minutes would allow over a thousand guesses in the link's 72 hours, against a few
 * thousand plausible birth dates); the total ends it. Uses of one link run one at a time (redeemToken locks
 * its row), so parallel guesses are each counted here.
 */
async function countWrongBirthDate(ctx: ActorContext, tokenId: string): Promise<{ failedProofs: number; spent: boolean }> {
  const max = config().activationMaxWrongBirthDates;
  const [row] = await ctx.tx.$queryRaw<{ failedProofs: number; spent: boolean }[]>`
    UPDATE account_token
    SET failed_proofs = failed_proofs + 1, used_at = CASE WHEN failed_proofs + 1 >= ${max} THEN now() ELSE used_at END
    WHERE id = ${tokenId}::uuid
    RETURNING failed_proofs AS "failedProofs", used_at IS NOT NULL AS spent`;
  return row!;
}

/**
 * The patient opens their invitation: the link's token (the invitation code) and their birth date together
 * prove who they are. Each wrong birth date counts toward a lockout of this account's activation and of the
 * address (lib/auth/throttle.ts), under the throttle row's lock, so parallel guesses are counted in full, and
 * on the link, which is spent after ACTIVATION_MAX_WRONG_BIRTH_DATES of them. Attempts refused by the lockout
 * check nothing and are not counted on the link, but are audited. The token is spent by one compare-and-set:
 * of parallel activations one wins.
 */
export function activatePatientAccount(raw: unknown, request: RequestMeta) {
  const { birthDate } = patientActivationSchema.parse(raw);
  const prove = async (ctx: ActorContext, user: User, token: { id: string }): Promise<RedeemRefusal | null> => {
    const who = { actorId: user.id, actorRole: user.role, resourceType: "user", resourceId: user.id };
    const result = await throttledCheck(ctx, activationKeys(user.id, request.ip), { actorId: user.id, actorRole: user.role, step: "activation" }, async () => {
      const cipher = user.patientId ? await patientCipher(ctx.tx, user.patientId) : null;
      const identity = user.patientId ? await ctx.tx.patientIdentity.findUnique({ where: { patientId: user.patientId } }) : null;
      if (!cipher || !identity) return null;
      return sameDate(cipher.open("patient_identity", "birth_date_enc", identity.patientId, identity.birthDateEnc), birthDate) ? true : null;
    });
    if (result.outcome === "ok") return null;
    if (result.outcome === "refused") {
      ctx.audit({ ...who, action: "user.activate", outcome: "denied", details: { reason: result.reason } });
      return { ok: false, field: "birthDate", message: ACTIVATION_LOCKED };
    }
    const { failedProofs, spent } = await countWrongBirthDate(ctx, token.id);
    ctx.audit({ ...who, action: "user.activate", outcome: "denied", details: { reason: "wrong-birth-date", failedProofs, linkSpent: spent } });
    return { ok: false, field: "birthDate", message: spent ? ACTIVATION_SPENT : result.locked ? ACTIVATION_LOCKED : WRONG_BIRTH_DATE };
  };
  return redeemActivation("patient", raw, request, prove);
}
