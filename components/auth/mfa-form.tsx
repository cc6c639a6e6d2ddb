"use client";

import { FormResult } from "@/components/forms/form-result";
import { verifyMfaAction } from "@/app/(public)/auth-actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { totpCodeSchema } from "@/lib/validation/auth";
import { initialFormState } from "@/lib/validation/form-state";
import { useValidatedAction } from "@/components/forms/use-validated-action";

export function MfaForm() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(
    totpCodeSchema,
    verifyMfaAction,
    initialFormState,
    { code: "" },
  );
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4">
      <FormResult state={state} tone="error" />
      <Field
        label="Authentication code"
        hint="The 6-digit code from your authenticator app, or one of your recovery codes."
        autoComplete="one-time-code"
        inputMode="text"
        autoFocus
        error={fieldError("code")}
        {...form.register("code")}
      />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Checking…" : "Verify"}
      </Button>
    </form>
  );
}
