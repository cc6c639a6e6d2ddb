"use client";

import { FormResult } from "@/components/forms/form-result";
import Link from "next/link";
import type { EnrollState } from "@/app/(public)/auth-actions";
import { RecoveryCodeList } from "@/components/account/recovery-code-list";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { enrollCodeSchema } from "@/lib/validation/auth";
import { useValidatedAction } from "@/components/forms/use-validated-action";

const initial: EnrollState = { ok: false };

export function EnrollForm({ action, continueTo = "/" }: { action: (state: EnrollState, form: FormData) => Promise<EnrollState>; continueTo?: string }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(
    enrollCodeSchema,
    action,
    initial,
    { code: "" },
  );
  if (state.ok && state.recoveryCodes) {
    return (
      <div className="space-y-4">
        <Alert tone="success">Two-step verification is on.</Alert>
        <RecoveryCodeList codes={state.recoveryCodes} />
        <Link href={continueTo} className="inline-block rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white">
          Continue
        </Link>
      </div>
    );
  }
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4">
      <FormResult state={state} tone="error" />
      <Field
        label="Code from your app"
        autoComplete="one-time-code"
        inputMode="numeric"
        error={fieldError("code")}
        {...form.register("code")}
      />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Checking…" : "Turn on two-step verification"}
      </Button>
    </form>
  );
}
