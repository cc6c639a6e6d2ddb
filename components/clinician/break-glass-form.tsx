"use client";

import { FormResult } from "@/components/forms/form-result";
import { breakGlassAction } from "@/app/clinician/actions";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { TextArea } from "@/components/ui/textarea";
import { breakGlassSchema } from "@/lib/validation/patient";
import { initialFormState } from "@/lib/validation/form-state";

export function BreakGlassForm() {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(breakGlassSchema, breakGlassAction, initialFormState);
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4">
      <FormResult state={state} tone="error" />
      <Field label="Patient MRN" autoComplete="off" error={fieldError("mrn")} {...form.register("mrn")} />
      <TextArea label="Reason for emergency access" error={fieldError("reason")} {...form.register("reason")} />
      <Field label="Authentication code" autoComplete="one-time-code" inputMode="numeric" error={fieldError("code")} {...form.register("code")} />
      <Button type="submit" variant="danger" disabled={pending}>
        {pending ? "Checking…" : "Break the glass"}
      </Button>
    </form>
  );
}
