"use client";

import { useActionState } from "react";
import { signOutOthersAction } from "@/app/account/actions";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { initialFormState } from "@/lib/validation/form-state";

export function SignOutOthers() {
  const [state, run, pending] = useActionState(signOutOthersAction, initialFormState);
  return (
    <form action={run} className="space-y-2">
      {state.message ? <Alert tone="success">{state.message}</Alert> : null}
      <Button type="submit" variant="secondary" disabled={pending}>
        Sign out everywhere else
      </Button>
    </form>
  );
}
