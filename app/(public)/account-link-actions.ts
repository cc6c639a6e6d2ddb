"use server";

import { CredentialsSignin } from "next-auth";
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth/next-auth";
import { currentRequestMeta } from "@/lib/auth/require-actor";
import { activateAccount } from "@/lib/services/invitations";
import { activatePatientAccount } from "@/lib/services/patient-onboarding";
import { requestPasswordReset, resetPassword } from "@/lib/services/password-reset";
import { forgotPasswordSchema, setPasswordSchema } from "@/lib/validation/account-links";
import { patientActivationSchema } from "@/lib/validation/patient-registration";
import { fieldRefusal, type FormState } from "@/lib/validation/form-state";

type Redeem = typeof activateAccount;

async function redeem(redeemer: Redeem, form: FormData, schema: typeof setPasswordSchema | typeof patientActivationSchema = setPasswordSchema) {
  const input = schema.safeParse(Object.fromEntries(form));
  if (!input.success) return { state: fieldRefusal(input.error.flatten().fieldErrors), done: null };
  const result = await redeemer(input.data, await currentRequestMeta());
  if (!result.ok) {
    const state: FormState = result.field ? fieldRefusal({ [result.field]: [result.message] }) : { ok: false, message: result.message };
    return { state, done: null };
  }
  return { state: null, done: { ...result, password: input.data.newPassword } };
}

/** Activation signs the person in, and the staff gate sends them straight to TOTP enrolment. */
export async function activateAction(_: FormState, form: FormData): Promise<FormState> {
  const { state, done } = await redeem(activateAccount, form);
  if (!done) return state;
  try {
    await signIn("credentials", { email: done.email, password: done.password, portal: "staff", redirect: false });
  } catch (error) {
    // The password is set either way; a refused sign-in (say, a lockout of this network) is asked again there.
    if (error instanceof CredentialsSignin) redirect("/staff/sign-in");
    throw error;
  }
  redirect("/");
}

/**
 * The patient's activation signs them in at the patient portal; with PATIENT_MFA=required the door then sends
 * them to TOTP enrolment before any page of theirs opens.
 */
export async function activatePatientAction(_: FormState, form: FormData): Promise<FormState> {
  const { state, done } = await redeem(activatePatientAccount, form, patientActivationSchema);
  if (!done) return state;
  try {
    await signIn("credentials", { email: done.email, password: done.password, portal: "patient", redirect: false });
  } catch (error) {
    if (error instanceof CredentialsSignin) redirect("/sign-in");
    throw error;
  }
  redirect("/");
}

export async function resetPasswordAction(_: FormState, form: FormData): Promise<FormState> {
  const { state, done } = await redeem(resetPassword, form);
  if (!done) return state;
  redirect(done.user.role === "patient" ? "/sign-in?reason=password-reset" : "/staff/sign-in?reason=password-reset");
}

export async function forgotPasswordAction(_: FormState, form: FormData): Promise<FormState> {
  const input = forgotPasswordSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return fieldRefusal(input.error.flatten().fieldErrors);
  return { ok: true, message: await requestPasswordReset(input.data, await currentRequestMeta()) };
}
