"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/require-actor";
import { formError } from "@/lib/http/errors";
import { setRetentionPeriod } from "@/lib/services/retention";
import type { FormState } from "@/lib/validation/form-state";
import { retentionPeriodSchema } from "@/lib/validation/retention";

export async function setRetentionPeriodAction(_: FormState, form: FormData): Promise<FormState> {
  const actor = await requireActor("admin");
  const input = retentionPeriodSchema.safeParse(Object.fromEntries(form));
  if (!input.success) return { ok: false, errors: input.error.flatten().fieldErrors };
  try {
    await setRetentionPeriod(actor, input.data);
  } catch (error) {
    return formError(error);
  }
  revalidatePath("/admin/retention");
  return { ok: true, message: "Retention period saved. The next daily run applies it." };
}
