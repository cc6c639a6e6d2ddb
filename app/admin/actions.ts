"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { runDueErasures } from "@/lib/services/erasure-queue";
import { decideRequest, extendRequest } from "@/lib/services/request-decisions";
import type { FormState } from "@/lib/validation/form-state";
import { decisionSchema, extensionSchema } from "@/lib/validation/requests";

export async function decideRequestAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  const input = decisionSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await decideRequest(actor, input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/admin/requests");
  return { ok: true, message: "Decision recorded." };
}

export async function extendRequestAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  const input = extensionSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await extendRequest(actor, input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/admin/requests");
  return { ok: true, message: "Deadline extended." };
}

export async function runDueErasuresAction(): Promise<FormState> {
  const actor = await requireActor("admin");
  const count = await runDueErasures(actor);
  revalidatePath("/admin/requests");
  return { ok: true, message: `${count} due erasure${count === 1 ? "" : "s"} executed.` };
}
