"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { disableDormantAccounts } from "@/lib/services/access-review";
import { disableDormantSchema } from "@/lib/validation/access-review";
import type { FormState } from "@/lib/validation/form-state";

export async function disableDormantAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  const input = disableDormantSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    const { disabled } = await disableDormantAccounts(actor, input.data);
    revalidatePath("/admin/access-review");
    return { ok: true, message: disabled === 0 ? "No dormant staff account to disable." : `Disabled ${disabled} account${disabled === 1 ? "" : "s"}. Their sessions have ended; the auditors are alerted.` };
  } catch (error) {
    return formError(error);
  }
}
