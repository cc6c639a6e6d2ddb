import "server-only";
import { randomUUID } from "node:crypto";
import { InvalidInput } from "@/lib/access/errors";
import { hashPassword } from "@/lib/auth/password";
import { passwordProblem } from "@/lib/auth/password-policy";
import { blindIndex, blindIndexText } from "@/lib/crypto/blind-index";
import { lockSubject } from "@/lib/db/locks";
import { sealSystem } from "@/lib/crypto/secret";
import type { ActorContext, Tx } from "@/lib/db/transaction";
import { patientCipher } from "./patient-keys";
import { sealAbout } from "./patient-text";
import { newUserSchema, type NewUserInput } from "@/lib/validation/user";

/**
 * The account an e-mail address already belongs to, if any, with the address locked until commit. Staff
 * invitations, `admin:create` and patient registration each ask "is it free?" before createUser under a lock of
 * their own kind; this one is shared, so a staff invitation and a patient registration of one address at once
 * do not both pass, the second then failing on the unique key with a server error instead of its refusal.
 */
export async function accountWithEmail(tx: Tx, email: string): Promise<{ id: string } | null> {
  const emailBidx = blindIndex("email", email);
  await lockSubject(tx, "account-email", blindIndexText(emailBidx));
  return tx.user.findUnique({ where: { emailBidx }, select: { id: true } });
}

/** Creates an account; the email is stored only as ciphertext plus a blind index used for sign-in. */
export async function createUser(ctx: ActorContext, raw: NewUserInput): Promise<string> {
  const input = newUserSchema.parse(raw);
  const problem = passwordProblem(input.password, { email: input.email });
  if (problem) throw new InvalidInput(problem, { password: [problem] });
  const id = randomUUID();
  const at = (column: string) => ({ table: "app_user", column, rowId: id });
  // A patient's e-mail and name are theirs: under their data key, so erasure shreds them in old dumps too.
  const cipher = input.patientId ? await patientCipher(ctx.tx, input.patientId) : null;
  if (input.patientId && !cipher) throw new Error("patient key not visible while creating the patient's account");
  await ctx.tx.user.create({
    data: {
      id,
      role: input.role,
      emailBidx: blindIndex("email", input.email),
      emailEnc: sealAbout(cipher, "app_user", "email_enc", id, input.email.trim().toLowerCase()),
      displayNameEnc: sealAbout(cipher, "app_user", "display_name_enc", id, input.displayName),
      passwordHash: await hashPassword(input.password),
      patientId: input.patientId,
      isDemo: input.isDemo,
      ...(input.totpSecret
        ? { mfaSecretEnc: sealSystem(input.totpSecret, at("mfa_secret_enc")), mfaEnrolledAt: new Date() }
        : {}),
    },
  });
  ctx.audit({ action: "user.create", resourceType: "user", resourceId: id, details: { role: input.role } });
  return id;
}
