"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { grantConsent, withdrawConsent } from "@/lib/services/consent";
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
