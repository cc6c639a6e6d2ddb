"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireActor } from "@/lib/auth/require-actor";
import { formError, pageError } from "@/lib/http/errors";
import { acknowledgeAlert } from "@/lib/services/alerts";
import { verifyNow } from "@/lib/services/audit-integrity";
import { auditFilterQuery } from "@/lib/services/audit-log";
import { reviewBreakGlass } from "@/lib/services/break-glass-review";
import { breakGlassReviewSchema } from "@/lib/validation/audit";
import type { FormState } from "@/lib/validation/form-state";

/** Filters go into the URL, but an MRN never does: it is swapped for the patient's pseudonym first. */
export async function filterEventsAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("auditor");
  let query: Record<string, string>;
  try {
    query = await auditFilterQuery(actor, Object.fromEntries(form));
  } catch (error) {
    return formError(error);
  }
  redirect(`/auditor/events?${new URLSearchParams(query).toString()}`);
}

/** A plain form button with no state for a message: an unknown or already acknowledged alert is a 404. */
export async function acknowledgeAlertAction(form: FormData): Promise<void> {
  const actor = await requireActor("auditor");
  try {
    await acknowledgeAlert(actor, Object.fromEntries(form));
  } catch (error) {
    pageError(error);
  }
  revalidatePath("/auditor/alerts");
}

export async function reviewBreakGlassAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("auditor");
  const input = breakGlassReviewSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await reviewBreakGlass(actor, input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/auditor/break-glass");
  return { ok: true, message: "Review recorded." };
}

export async function verifyNowAction(): Promise<FormState> {
  const actor = await requireActor("auditor");
  const result = await verifyNow(actor);
  revalidatePath("/auditor");
  return result.ok
    ? { ok: true, message: `Verified: ${result.events} events intact, ${result.checkpoints} signed checkpoints match.` }
    : { ok: false, message: `Integrity failure at sequence ${result.firstBadSeq}: ${result.kind} (${result.detail}).` };
}
