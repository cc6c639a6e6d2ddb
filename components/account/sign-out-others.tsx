"use client";

import { FormResult } from "@/components/forms/form-result";
import { useActionState } from "react";
import { signOutOthersAction } from "@/app/account/actions";
import { Button } from "@/components/ui/button";
import { initialFormState } from "@/lib/validation/form-state";

export function SignOutOthers() {
  const [state, run, pending] = useActionState(signOutOthersAction, initialFormState);
  return (
    <form action={run} className="space-y-2">
      <FormResult state={state} tone="success" />
      <Button type="submit" variant="secondary" disabled={pending}>
        Sign out everywhere else
      </Button>
    </form>
  );
}
