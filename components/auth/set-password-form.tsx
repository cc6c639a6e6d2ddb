"use client";

import { FormResult } from "@/components/forms/form-result";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { NewPasswordFields } from "@/components/auth/new-password-fields";
import { Button } from "@/components/ui/button";
import { setPasswordSchema } from "@/lib/validation/account-links";
import type { FormState } from "@/lib/validation/form-state";
import { initialFormState } from "@/lib/validation/form-state";

/** The form behind an activation or password-reset link; the token travels as a hidden field. */
export function SetPasswordForm({ token, action, submit }: { token: string; action: (state: FormState, form: FormData) => Promise<FormState>; submit: string }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(setPasswordSchema, action, initialFormState, { token, newPassword: "", confirmPassword: "" });
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Choose a password">
      <FormResult state={state} tone="error" />
      <input type="hidden" {...form.register("token")} />
      <NewPasswordFields
        newPassword={form.register("newPassword")}
        confirmPassword={form.register("confirmPassword")}
        errors={{ newPassword: fieldError("newPassword"), confirmPassword: fieldError("confirmPassword") }}
      />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Saving…" : submit}
      </Button>
    </form>
  );
}
