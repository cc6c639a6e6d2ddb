"use client";

import { FormResult } from "@/components/forms/form-result";
import { changePasswordAction } from "@/app/account/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { NewPasswordFields } from "@/components/auth/new-password-fields";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { initialFormState } from "@/lib/validation/form-state";
import { changePasswordSchema } from "@/lib/validation/staff";

export function PasswordForm() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(changePasswordSchema, changePasswordAction, initialFormState);
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="max-w-md space-y-3" aria-label="Change password">
      <FormResult state={state} />
      <Field label="Current password" type="password" autoComplete="current-password" error={fieldError("currentPassword")} {...form.register("currentPassword")} />
      <NewPasswordFields
        newPassword={form.register("newPassword")}
        confirmPassword={form.register("confirmPassword")}
        errors={{ newPassword: fieldError("newPassword"), confirmPassword: fieldError("confirmPassword") }}
      />
      <Button type="submit" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </Button>
    </form>
  );
}
