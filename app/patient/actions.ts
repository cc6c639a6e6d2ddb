"use server";

import { z } from "zod";
import type { EnrollState } from "@/app/(public)/auth-actions";
import { confirmEnrollment } from "@/lib/auth/mfa";
import { actionClient, parsedByService } from "@/lib/http/action";
import { grantConsent, withdrawConsent } from "@/lib/services/consent";
import { cancelRequest, submitRequest } from "@/lib/services/data-requests";
import { enrollCodeSchema } from "@/lib/validation/auth";
import type { FormState } from "@/lib/validation/form-state";
import { consentChangeSchema } from "@/lib/validation/patient";
import { newRequestSchema, requestReceived } from "@/lib/validation/requests";

const patient = actionClient("patient");
const consentDecisionSchema = consentChangeSchema.extend({ decision: z.enum(["grant", "withdraw"]) });

export async function changeConsentAction(_: FormState, form: FormData): Promise<FormState> {
  return patient.form(form, {
    schema: consentDecisionSchema,
    unreadable: "That change could not be read.",
    run: (actor, { decision, ...change }) => (decision === "grant" ? grantConsent : withdrawConsent)(actor, change),
    revalidate: "/patient/consent",
    done: (_result, { decision }) => ({ ok: true, message: decision === "grant" ? "Consent given." : "Consent withdrawn." }),
  });
}

export async function submitRequestAction(_: FormState, form: FormData): Promise<FormState> {
  return patient.form(form, {
    schema: newRequestSchema,
    run: submitRequest,
    revalidate: "/patient/requests",
    done: (_result, input) => ({ ok: true, message: requestReceived[input.kind] }),
  });
}

/** A plain form button with no state for a message: another patient's or an unknown request is a 404. */
export async function cancelRequestAction(form: FormData): Promise<void> {
  return patient.button(form, { schema: parsedByService, run: cancelRequest, revalidate: "/patient/requests" });
}

/** A patient turning on TOTP for their own account (optional for patients, mandatory for staff). */
export async function enrollTotpAction(_: EnrollState, form: FormData): Promise<EnrollState> {
  return patient.form(form, {
    schema: enrollCodeSchema,
    run: (actor, input) => confirmEnrollment(actor.sessionId!, input.code, actor.request),
    // No revalidation: it would re-render the security page as "on" and unmount the form before the patient
    // sees the recovery codes it shows once (e2e/patient-privacy.spec.ts enrols through this page).
    done: (result): EnrollState =>
      result.ok
        ? { ok: true, recoveryCodes: result.recoveryCodes }
        : {
            ok: false,
            message: result.reason === "locked"
              ? "Too many wrong codes. Setting up the authenticator is paused; try again in 15 minutes."
              : "That code does not match. Check your authenticator app's clock and try again.",
          },
  });
}
