"use server";

import { redirect } from "next/navigation";
import { actionClient, noFields, parsedByService } from "@/lib/http/action";
import { acknowledgeAlert } from "@/lib/services/alerts";
import { verifyNow } from "@/lib/services/audit-integrity";
import { auditFilterQuery } from "@/lib/services/audit-log";
import { reviewBreakGlass } from "@/lib/services/break-glass-review";
import { breakGlassReviewSchema } from "@/lib/validation/audit";
import type { FormState } from "@/lib/validation/form-state";

const auditor = actionClient("auditor");

/** Filters go into the URL, but an MRN never does: it is swapped for the patient's pseudonym first. */
export async function filterEventsAction(_: FormState, form: FormData): Promise<FormState> {
  return auditor.form(form, {
    schema: parsedByService,
    run: auditFilterQuery,
    done: (query) => redirect(`/auditor/events?${new URLSearchParams(query).toString()}`),
  });
}

/** A plain form button with no state for a message: an unknown or already acknowledged alert is a 404. */
export async function acknowledgeAlertAction(form: FormData): Promise<void> {
  return auditor.button(form, { schema: parsedByService, run: acknowledgeAlert, revalidate: "/auditor/alerts" });
}

export async function reviewBreakGlassAction(_: FormState, form: FormData): Promise<FormState> {
  return auditor.form(form, { schema: breakGlassReviewSchema, run: reviewBreakGlass, revalidate: "/auditor/break-glass", done: "Review recorded." });
}

export async function verifyNowAction(): Promise<FormState> {
  return auditor.form(new FormData(), {
    schema: noFields,
    run: (actor) => verifyNow(actor),
    revalidate: "/auditor",
    done: (result) =>
      result.ok
        ? { ok: true, message: `Verified: ${result.events} events intact, ${result.checkpoints} signed checkpoints match.` }
        : { ok: false, message: `Integrity failure at sequence ${result.firstBadSeq}: ${result.kind} (${result.detail}).` },
  });
}
