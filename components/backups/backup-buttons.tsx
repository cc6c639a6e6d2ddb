"use client";

import { backUpNowAction, runDrillAction } from "@/app/admin/backups/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { initialFormState, type FormState } from "@/lib/validation/form-state";

function ActionButton({ action, label, busy }: { action: () => Promise<FormState>; label: string; busy: string }) {
  const { state, pending, formRef, onSubmit } = useFormAction(action, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="space-y-2">
      {state.message ? <Alert tone={state.ok ? "success" : "error"}>{state.message}</Alert> : null}
      <Button type="submit" disabled={pending}>
        {pending ? busy : label}
      </Button>
    </form>
  );
}

export function RunDrillButton() {
  return <ActionButton action={runDrillAction} label="Run a drill" busy="Running the drill…" />;
}

export function BackUpNowButton() {
  return <ActionButton action={backUpNowAction} label="Back up now" busy="Backing up…" />;
}
