"use client";

import { FormResult } from "@/components/forms/form-result";
import { setRetentionPeriodAction } from "@/app/admin/retention/actions";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { initialFormState } from "@/lib/validation/form-state";

/** One category's period: whole days within the category's bounds (checked again by the server). */
export function RetentionForm({ category, label, days, min, max }: { category: string; label: string; days: number; min: number; max: number }) {
  const { state, pending, formRef, onSubmit } = useFormAction(setRetentionPeriodAction, initialFormState);
  return (
    <form ref={formRef} method="post" onSubmit={onSubmit} className="flex flex-wrap items-end gap-2" aria-label={`Retention period: ${label}`}>
      <input type="hidden" name="category" value={category} />
      <div className="w-40">
        <Field
          label="Keep for (days)"
          name="days"
          id={`days-${category}`}
          type="number"
          inputMode="numeric"
          defaultValue={days}
          hint={`${min} to ${max}`}
          error={state.errors?.days?.[0]}
        />
      </div>
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Saving…" : "Save"}
      </Button>
      <FormResult state={state} />
    </form>
  );
}
