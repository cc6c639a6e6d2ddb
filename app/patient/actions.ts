"use server";

import { revalidatePath } from "next/cache";
import type { EnrollState } from "@/app/(public)/auth-actions";
import { confirmEnrollment } from "@/lib/auth/mfa";
import { requireActor } from "@/lib/auth/require-actor";
import { enrollCodeSchema } from "@/lib/validation/auth";
import { formError, pageError } from "@/lib/http/errors";
import { grantConsent, withdrawConsent } from "@/lib/services/consent";
import { cancelRequest, submitRequest } from "@/lib/services/data-requests";
import { newRequestSchema, requestReceived } from "@/lib/validation/requests";
import type { FormState } from "@/lib/validation/form-state";
import { consentChangeSchema } from "@/lib/validation/patient";

export async function changeConsentAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("patient");
  const input = consentChangeSchema.safeParse(Object.fromEntries(form));
  const decision = form.get("decision");
  if (!input.success || (decision !== "grant" && decision !== "withdraw")) return { ok: false, message: "That change could not be read." };
  try {
    await (decision === "grant" ? grantConsent : withdrawConsent)(actor, input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/patient/consent");
  return { ok: true, message: decision === "grant" ? "Consent given." : "Consent withdrawn." };
}

export async function submitRequestAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("patient");
  const input = newRequestSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await submitRequest(actor, input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/patient/requests");
  return { ok: true, message: requestReceived[input.data.kind] };
}

/** A plain form button with no state for a message: another patient's or an unknown request is a 404. */
export async function cancelRequestAction(form: FormData): Promise<void> {
  const actor = await requireActor("patient");
  try {
    await cancelRequest(actor, Object.fromEntries(form));
  } catch (error) {
    pageError(error);
  }
  revalidatePath("/patient/requests");
}

/** A patient turning on TOTP for their own account (optional for patients, mandatory for staff). */
export async function enrollTotpAction(_: EnrollState, form: FormData): Promise<EnrollState> {
  const actor = await requireActor("patient");
  const input = enrollCodeSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  const result = await confirmEnrollment(actor.sessionId!, input.data.code, actor.request);
  if (!result.ok) {
    return {
      ok: false,
      message: result.reason === "locked"
        ? "Too many wrong codes. Setting up the authenticator is paused; try again in 15 minutes."
        : "That code does not match. Check your authenticator app's clock and try again.",
    };
  }
  revalidatePath("/patient");
  return { ok: true, recoveryCodes: result.recoveryCodes };
}
