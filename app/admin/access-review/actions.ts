"use server";

import { actionClient } from "@/lib/http/action";
import { disableDormantAccounts } from "@/lib/services/access-review";
import { disableDormantSchema } from "@/lib/validation/access-review";
import type { FormState } from "@/lib/validation/form-state";

export async function disableDormantAction(_: FormState, form: FormData): Promise<FormState> {
  return actionClient("admin").form(form, {
    schema: disableDormantSchema,
    run: disableDormantAccounts,
    revalidate: "/admin/access-review",
    done: ({ disabled }) => ({
      ok: true,
      message: disabled === 0 ? "No dormant staff account to disable." : `Disabled ${disabled} account${disabled === 1 ? "" : "s"}. Their sessions have ended; the auditors are alerted.`,
    }),
  });
}
