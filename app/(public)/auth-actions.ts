"use server";

import { CredentialsSignin } from "next-auth";
import { redirect } from "next/navigation";
import { confirmEnrollment, verifySecondFactor } from "@/lib/auth/mfa";
import { signIn, signOut } from "@/lib/auth/next-auth";
import { currentRequestMeta, currentSessionId, requirePendingMfa } from "@/lib/auth/require-actor";
import { revokeSession } from "@/lib/auth/sessions";
import { errorTable, type ErrorCode } from "@/lib/http/error-table";
import { enrollCodeSchema, signInSchema, totpCodeSchema } from "@/lib/validation/auth";
import { fieldRefusal, type FormState } from "@/lib/validation/form-state";

const refusals: Record<string, ErrorCode> = { invalid: "sign-in-invalid", locked: "sign-in-locked", "wrong-portal": "sign-in-wrong-portal" };

export async function signInAction(_: FormState, form: FormData): Promise<FormState> {
  const input = signInSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return fieldRefusal(input.error.flatten().fieldErrors);
  try {
    await signIn("credentials", { ...input.data, redirect: false });
  } catch (error) {
    if (error instanceof CredentialsSignin) {
      return { ok: false, message: errorTable[refusals[error.code] ?? "sign-in-invalid"].message };
    }
    throw error;
  }
  redirect("/");
}

export async function verifyMfaAction(_: FormState, form: FormData): Promise<FormState> {
  const { sessionId } = await requirePendingMfa("verify");
  const input = totpCodeSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return fieldRefusal(input.error.flatten().fieldErrors);
  const result = await verifySecondFactor(sessionId, input.data.code, await currentRequestMeta());
  if (!result.ok) {
    if (result.reason === "locked") redirect("/sign-in?reason=locked");
    return { ok: false, message: "That code is not valid. Codes can be used only once; wait for the next one." };
  }
  redirect("/");
}

export interface EnrollState extends FormState {
  recoveryCodes?: string[];
}

export async function confirmEnrollmentAction(_: EnrollState, form: FormData): Promise<EnrollState> {
  const { sessionId } = await requirePendingMfa("enroll");
  const input = enrollCodeSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return fieldRefusal(input.error.flatten().fieldErrors);
  const result = await confirmEnrollment(sessionId, input.data.code, await currentRequestMeta());
  if (!result.ok) {
    if (result.reason === "locked") redirect("/sign-in?reason=locked");
    return { ok: false, message: "That code does not match. Check your authenticator app's clock and try again." };
  }
  return { ok: true, recoveryCodes: result.recoveryCodes };
}

export async function signOutAction(): Promise<void> {
  const sessionId = await currentSessionId();
  if (sessionId) await revokeSession(sessionId, "sign-out", await currentRequestMeta());
  await signOut({ redirectTo: "/sign-in?reason=signed-out" });
}
