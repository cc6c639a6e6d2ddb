"use client";

import { FormResult } from "@/components/forms/form-result";
import { disableDormantAction } from "@/app/admin/access-review/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { TextArea } from "@/components/ui/textarea";
import { initialFormState } from "@/lib/validation/form-state";

export function DisableDormantForm({ count }: { count: number }) {
  const { state, pending, formRef, onSubmit } = useFormAction(disableDormantAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} noValidate className="space-y-2" aria-label="Disable dormant accounts">
      <FormResult state={state} />
      <TextArea label="Reason (recorded in the audit log)" name="reason" id="dormant-reason" rows={2} error={state.errors?.reason?.[0]} />
      <Button type="submit" variant="danger" disabled={pending || count === 0}>
        {pending ? "Disabling…" : `Disable ${count} dormant staff account${count === 1 ? "" : "s"}`}
      </Button>
    </form>
  );
}
