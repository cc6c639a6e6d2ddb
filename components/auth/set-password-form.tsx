"use client";

import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { setPasswordSchema } from "@/lib/validation/account-links";
import type { FormState } from "@/lib/validation/form-state";
import { initialFormState } from "@/lib/validation/form-state";
import { PASSWORD_MIN } from "@/lib/validation/password";

/** The form behind an activation or password-reset link; the token travels as a hidden field. */
export function SetPasswordForm({ token, action, submit }: { token: string; action: (state: FormState, form: FormData) => Promise<FormState>; submit: string }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(setPasswordSchema, action, initialFormState, { token, newPassword: "", confirmPassword: "" });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Choose a password">
      {state.message ? <Alert tone="error">{state.message}</Alert> : null}
      <input type="hidden" {...form.register("token")} />
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${PASSWORD_MIN} characters. A few unrelated words are easy to remember and hard to guess.`}
        error={fieldError("newPassword")}
        {...form.register("newPassword")}
      />
      <Field label="New password again" type="password" autoComplete="new-password" error={fieldError("confirmPassword")} {...form.register("confirmPassword")} />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Saving…" : submit}
      </Button>
    </form>
  );
}
