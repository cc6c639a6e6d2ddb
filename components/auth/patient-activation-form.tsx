"use client";

import { FormResult } from "@/components/forms/form-result";
import { useValidatedAction } from "@/components/forms/use-validated-action";
import { NewPasswordFields } from "@/components/auth/new-password-fields";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { patientActivationSchema } from "@/lib/validation/patient-registration";
import type { FormState } from "@/lib/validation/form-state";
import { initialFormState } from "@/lib/validation/form-state";

/** The patient's invitation form: birth date as proof, then the password they choose; the token is hidden. */
export function PatientActivationForm({ token, action }: { token: string; action: (state: FormState, form: FormData) => Promise<FormState> }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(patientActivationSchema, action, initialFormState, {
    token,
    birthDate: "",
    newPassword: "",
    confirmPassword: "",
  });
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Open your patient account">
      <FormResult state={state} tone="error" />
      <input type="hidden" {...form.register("token")} />
      <Field label="Your date of birth" type="date" autoComplete="bday" error={fieldError("birthDate")} {...form.register("birthDate")} />
      <NewPasswordFields
        newPassword={form.register("newPassword")}
        confirmPassword={form.register("confirmPassword")}
        errors={{ newPassword: fieldError("newPassword"), confirmPassword: fieldError("confirmPassword") }}
      />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Saving…" : "Open my account"}
      </Button>
    </form>
  );
}
