"use client";

import { FormResult } from "@/components/forms/form-result";
import { forgotPasswordAction } from "@/app/(public)/account-link-actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { forgotPasswordSchema } from "@/lib/validation/account-links";
import { initialFormState } from "@/lib/validation/form-state";

export function ForgotPasswordForm() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(forgotPasswordSchema, forgotPasswordAction, initialFormState, { email: "" });
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Forgot password">
      <FormResult state={state} />
      <Field label="Email" type="email" autoComplete="username" error={fieldError("email")} {...form.register("email")} />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Sending…" : "Send me a link"}
      </Button>
    </form>
  );
}
