"use client";

import { FormResult } from "@/components/forms/form-result";
import { signInAction } from "@/app/(public)/auth-actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { signInSchema, type Portal } from "@/lib/validation/auth";
import { initialFormState } from "@/lib/validation/form-state";
import { useValidatedAction } from "@/components/forms/use-validated-action";

export function SignInForm({ portal }: { portal: Portal }) {
  const { state, pending, form, onSubmit, fieldError } = useValidatedAction(
    signInSchema,
    signInAction,
    initialFormState,
    { portal, email: "", password: "" },
  );
  return (
    <form method="post" onSubmit={onSubmit} noValidate className="space-y-4">
      <FormResult state={state} tone="error" />
      <input type="hidden" {...form.register("portal")} />
      <Field label="Email" type="email" autoComplete="username" error={fieldError("email")} {...form.register("email")} />
      <Field
        label="Password"
        type="password"
        autoComplete="current-password"
        error={fieldError("password")}
        {...form.register("password")}
      />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
