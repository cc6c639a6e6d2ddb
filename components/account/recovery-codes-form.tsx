"use client";

import { FormResult } from "@/components/forms/form-result";
import { regenerateRecoveryCodesAction, type RecoveryCodesState } from "@/app/account/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { enrollCodeSchema } from "@/lib/validation/auth";
import { RecoveryCodeList } from "./recovery-code-list";

const initial: RecoveryCodesState = { ok: false };

export function RecoveryCodesForm() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(enrollCodeSchema, regenerateRecoveryCodesAction, initial, { code: "" });
  if (state.ok && state.recoveryCodes) {
    return (
      <div className="space-y-3">
        <Alert tone="success">New recovery codes made. The old ones no longer work.</Alert>
        <RecoveryCodeList codes={state.recoveryCodes} />
      </div>
    );
  }
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="max-w-md space-y-3" aria-label="New recovery codes">
      <FormResult state={state} tone="error" />
      <Field label="Code from your authenticator app" autoComplete="one-time-code" inputMode="numeric" error={fieldError("code")} {...form.register("code")} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Making codes…" : "Make new recovery codes"}
      </Button>
    </form>
  );
}
