"use server";

import { actionClient } from "@/lib/http/action";
import { setRetentionPeriod } from "@/lib/services/retention";
import type { FormState } from "@/lib/validation/form-state";
import { retentionPeriodSchema } from "@/lib/validation/retention";

export async function setRetentionPeriodAction(_: FormState, form: FormData): Promise<FormState> {
  return actionClient("admin").form(form, {
    schema: retentionPeriodSchema,
    run: setRetentionPeriod,
    revalidate: "/admin/retention",
    done: "Retention period saved. The next daily run applies it.",
  });
}
