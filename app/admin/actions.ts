"use server";

import { actionClient, noFields } from "@/lib/http/action";
import { runDueErasures } from "@/lib/services/erasure-queue";
import { decideRequest, extendRequest } from "@/lib/services/request-decisions";
import type { FormState } from "@/lib/validation/form-state";
import { decisionSchema, extensionSchema } from "@/lib/validation/requests";

const admin = actionClient("admin");

export async function decideRequestAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: decisionSchema, run: decideRequest, revalidate: "/admin/requests", done: "Decision recorded." });
}

export async function extendRequestAction(_: FormState, form: FormData): Promise<FormState> {
  return admin.form(form, { schema: extensionSchema, run: extendRequest, revalidate: "/admin/requests", done: "Deadline extended." });
}

export async function runDueErasuresAction(): Promise<FormState> {
  return admin.form(new FormData(), {
    schema: noFields,
    run: (actor) => runDueErasures(actor),
    revalidate: "/admin/requests",
    done: (count) => ({ ok: true, message: `${count} due erasure${count === 1 ? "" : "s"} executed.` }),
  });
}
